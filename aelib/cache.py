"""A disk cache of trained models, so that a later chapter reuses an earlier chapter's model.

An entry is keyed by a name and a configuration: the architecture and training recipe, a
fingerprint of the training data, quick/full mode, the book's seed and the aelib and torch
versions. It holds
the state dict and the training ``History``, written atomically (temporary file, then rename)
and read with ``torch.load(..., weights_only=True)``, which refuses pickled objects. A missing,
stale or unreadable entry is retrained and rewritten, never silently used.

The cache lives in ``AELIB_CACHE_DIR`` (default ``<AELIB_DATA_DIR>/models``, i.e.
``~/.cache/aelib/models``); deleting the folder is always safe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from torch import nn

from . import checkpoint, config
from .checkpoint import fingerprint  # noqa: F401 (part of this module's interface: cache keys)
from .train import History


class CacheError(RuntimeError):
    """A cache entry is unreadable, stale or does not fit the model; it will be retrained."""


def _full_config(name: str, cfg: Mapping) -> dict:
    return {"name": name, **cfg, "mode": config.mode(), "seed": config.SEED, "aelib": config.__version__,
            "torch": torch.__version__.split("+")[0]}


def entry_path(name: str, cfg: Mapping) -> Path:
    """Where the entry for ``name`` trained with configuration ``cfg`` lives."""
    key = json.dumps(_full_config(name, cfg), sort_keys=True, default=str)
    return config.cache_dir() / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pt"


def save(model: nn.Module, history: History | None, name: str, cfg: Mapping) -> Path:
    """Write ``model``'s weights and ``history`` as the entry for (``name``, ``cfg``), atomically."""
    path = entry_path(name, cfg)
    payload = {
        "config": json.dumps(_full_config(name, cfg), sort_keys=True, default=str),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "history": dataclasses.asdict(history) if history is not None else None,
    }
    return checkpoint.atomic_save(payload, path)


def load(model: nn.Module, name: str, cfg: Mapping) -> History | None:
    """Load the entry for (``name``, ``cfg``) into ``model``; returns its History.

    Raises ``FileNotFoundError`` on a miss and ``CacheError`` for an entry that cannot be used
    (unreadable, a pickled object, another configuration, weights that do not fit the model).
    """
    path = entry_path(name, cfg)
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        payload = checkpoint.load(path)
    except checkpoint.CheckpointError as err:
        raise CacheError(f"cache entry {path} is unreadable or not a weights-only checkpoint"
                         f" ({str(err.__cause__).splitlines()[0][:200]})") from err
    expected = json.dumps(_full_config(name, cfg), sort_keys=True, default=str)
    if not isinstance(payload, dict) or payload.get("config") != expected:
        raise CacheError(f"cache entry {path} was written for another configuration")
    try:
        model.load_state_dict(payload["state_dict"])
    except (KeyError, RuntimeError) as err:
        raise CacheError(f"cache entry {path} does not fit {type(model).__name__}: "
                         f"{str(err).splitlines()[0][:200]}") from err
    history = payload.get("history")
    return History(**history) if history else None


def load_or_train(name: str, build: Callable[[], nn.Module], train: Callable[[nn.Module], History],
                  cfg: Mapping, *, retrain: bool = False) -> tuple[nn.Module, History | None]:
    """The model ``name`` trained with ``cfg``: from the cache, or built, trained and cached.

    ``build()`` makes the untrained model; ``train(model)`` trains it and returns its History.
    ``cfg`` must describe everything that changes the result (a JSON-able mapping; include
    ``fingerprint(x_train)``). ``retrain=True`` always trains and refreshes the entry.
    """
    model = build()
    if not retrain:
        try:
            history = load(model, name, cfg)
            model.to(config.DEVICE).eval()
            seconds = f", trained in {history.total_seconds:.0f} s" if history else ""
            print(f"{name}: loaded from the model cache ({entry_path(name, cfg).name}{seconds})")
            return model, history
        except FileNotFoundError:
            print(f"{name}: not in the model cache yet; training it")
        except CacheError as err:
            print(f"{name}: {err}; retraining it")
            model = build()
    history = train(model)
    save(model, history, name, cfg)
    return model, history
