"""Files of tensors written so that nothing is lost: atomically, and read back without pickle.

``atomic_save`` writes to a temporary file in the same folder and renames it over the target,
so an interrupted write leaves the previous file intact and never a half-written one.
``load`` reads with ``torch.load(..., weights_only=True)``: tensors, numbers, strings, lists
and dicts only; a file holding a pickled object is refused with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import Tensor


def fingerprint(x: Tensor) -> str:
    """A short content hash of a tensor (e.g. the training images), for cache keys."""
    array = x.detach().cpu().contiguous().numpy()
    digest = hashlib.sha256(str((array.dtype, array.shape)).encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:16]


class CheckpointError(RuntimeError):
    """A checkpoint file is unreadable, holds pickled objects, or belongs to another run."""


def atomic_save(payload: Any, path: str | Path) -> Path:
    """``torch.save(payload)`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load(path: str | Path) -> Any:
    """Read a file written by ``atomic_save`` (on the CPU), refusing pickled objects."""
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:
        raise CheckpointError(
            f"{path} is unreadable or not a weights-only file ({type(err).__name__}:"
            f" {str(err).splitlines()[0][:200]}); delete it (training starts again) or pass"
            " another path") from err
