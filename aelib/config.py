"""Run configuration shared by every chapter: settings, quick/full mode, budgets, seeds, device.

Every environment variable aelib reads is read here, through the functions below, and listed
in this one table (all optional; flags take ``1``, ``true``, ``yes`` or ``on``):

====================  ========================================================================
``AELIB_QUICK``       quick mode (tests, CI): smaller budgets, same code paths (read at import)
``AELIB_SEED``        the book's seed, default 0: every seed a chapter uses derives from it
``AELIB_DATASET``     the data set ``aelib.data.load`` loads by default: ``mnist`` (default) or
                      ``fashion-mnist``
``AELIB_DATA_DIR``    where data sets are looked for and downloaded (default ``~/.cache/aelib``)
``AELIB_CACHE_DIR``   the model cache (default ``AELIB_DATA_DIR/models``)
``AELIB_OFFLINE``     flag: never download (data sets, text corpora); use local copies only
``AELIB_DEVICE``      force a device (``cpu``, ``cuda``, ``mps``); default cuda > mps > cpu
``AELIB_PROGRESS``    ``auto`` (tqdm bars, the default), ``text`` or ``none`` (one summary line)
``AELIB_RESULTS``     a JSON-lines file to which every ``check`` and ``record`` appends its result
``AELIB_CHAPTER``     the chapter recorded with each result (the book build sets it)
``AELIB_CHECKS``      ``assert`` (default: a failed check raises) or ``record`` (it is only
                      recorded, so that a margins run sees the later checks too)
====================  ========================================================================
"""

from __future__ import annotations

import os
import platform
import random
import time
from pathlib import Path

import numpy as np
import torch

__version__ = "0.3.0"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _env_choice(name: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def dataset() -> str:
    """``AELIB_DATASET`` (lower case), else ``"mnist"``."""
    return (os.environ.get("AELIB_DATASET") or "mnist").strip().lower()


def data_dir() -> Path:
    """``AELIB_DATA_DIR``, else ``~/.cache/aelib``: where data sets are found and downloaded."""
    return Path(os.environ.get("AELIB_DATA_DIR") or Path.home() / ".cache" / "aelib")


def cache_dir() -> Path:
    """``AELIB_CACHE_DIR``, else the ``models`` folder of ``data_dir()``."""
    return Path(os.environ.get("AELIB_CACHE_DIR") or data_dir() / "models")


def offline() -> bool:
    """``AELIB_OFFLINE``: never download."""
    return _env_flag("AELIB_OFFLINE")


def progress() -> str:
    """``AELIB_PROGRESS``: ``auto`` (default), ``text`` or ``none``."""
    return _env_choice("AELIB_PROGRESS", ("auto", "text", "none"))


def results_path() -> str | None:
    """``AELIB_RESULTS``: the file every check appends to, or None."""
    return os.environ.get("AELIB_RESULTS") or None


def chapter() -> str | None:
    """``AELIB_CHAPTER``: the chapter recorded with each result, or None."""
    return os.environ.get("AELIB_CHAPTER") or None


def failed_checks_raise() -> bool:
    """False where ``AELIB_CHECKS=record``: a failed check is recorded and does not raise."""
    return _env_choice("AELIB_CHECKS", ("assert", "record")) == "assert"


QUICK: bool = _env_flag("AELIB_QUICK")
DEVICE: torch.device = torch.device("cpu")  # set by configure()
_START = time.perf_counter()  # reset by configure()


def mode() -> str:
    """``"quick"`` or ``"full"``."""
    return "quick" if QUICK else "full"


def budget(*, full, quick):
    """The budget of the current mode: ``STEPS = budget(full=6000, quick=400)``.

    Count budgets in optimizer steps or samples seen, not epochs, so that the size of the
    data set does not multiply the run time.
    """
    return quick if QUICK else full


def pick_device(preferred: str | None = None) -> torch.device:
    """cuda > mps > cpu, unless ``preferred`` or ``AELIB_DEVICE`` names one."""
    name = preferred or os.environ.get("AELIB_DEVICE") or None
    if name:
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device {name!r} requested but CUDA is not available; use 'cpu'")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def elapsed() -> float:
    """Seconds since ``aelib.setup()`` (or since aelib was imported)."""
    return time.perf_counter() - _START




def timed(fn, *args, **kwargs):
    """``(fn(*args, **kwargs), its wall time in seconds)``: measured, to be printed or recorded,
    never asserted (machines differ)."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _seed_from_environment() -> int:
    text = os.environ.get("AELIB_SEED", "0").strip() or "0"
    if not text.isdigit():
        raise ValueError(f"AELIB_SEED must be a non-negative integer, got {text!r}")
    return int(text)


SEED: int = _seed_from_environment()  # the book's seed: every other seed derives from it
_SEED_STRIDE = 1_000_003  # a prime larger than any offset a chapter uses


def seed(offset: int = 0) -> int:
    """The seed of one random stream of a chapter: ``offset`` plus a multiple of the book's
    seed (``AELIB_SEED``, default 0, so that ``seed(k)`` is ``k`` by default)."""
    return int(offset) + _SEED_STRIDE * SEED


def manual_seed(offset: int = 0) -> None:
    """``torch.manual_seed(seed(offset))``: start the global random stream at a fixed point."""
    torch.manual_seed(seed(offset))


def generator(offset: int = 0) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed(offset)``, for one self-contained draw."""
    return torch.Generator().manual_seed(seed(offset))


def seed_everything(value: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices) with ``value``."""
    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)


def configure(seed: int | None = None, device: str | None = None, quiet: bool = False) -> torch.device:
    """Seed everything, choose the device, print one line about the run (``aelib.setup`` does
    this and sets the plot style).

    ``seed`` replaces the book's seed (default: ``AELIB_SEED``, else 0). Returns the device;
    it is also available as ``aelib.config.DEVICE``.
    """
    global DEVICE, SEED, _START
    _START = time.perf_counter()
    if seed is not None:
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        SEED = seed
    seed_everything(_SEED_STRIDE * SEED)  # seed(0); the argument hides the function here
    DEVICE = pick_device(device)
    if not quiet:
        threads = torch.get_num_threads()
        print(
            f"aelib {__version__} | torch {torch.__version__} | device {DEVICE}"
            f" ({threads} CPU threads) | {mode()} mode | seed {SEED}"
            f" | python {platform.python_version()}"
        )
    return DEVICE


_current_data: str | None = None  # key of the last data set loaded


def set_current_data(key: str) -> None:
    """Called by ``aelib.data.load``: the key (``mnist``, ``mnist-10k``, ``fashion-mnist``) whose
    thresholds ``aelib.check`` applies."""
    global _current_data
    _current_data = key


def current_data() -> str | None:
    """The key of the data set loaded last, or None."""
    return _current_data
