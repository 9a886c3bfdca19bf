"""Run configuration shared by every chapter: quick/full mode, budgets, seeds, device.

Environment variables (all optional):

- ``AELIB_QUICK=1``: quick mode (tests, CI): smaller budgets, same code paths.
- ``AELIB_DATASET``: default data set for ``aelib.data.load`` (``mnist`` or ``fashion-mnist``).
- ``AELIB_DEVICE``: force a device (``cpu``, ``cuda``, ``mps``); default cuda > mps > cpu.
- ``AELIB_PROGRESS``: ``auto`` (tqdm bars, the default), ``text`` or ``none`` (one summary line).
- ``AELIB_RESULTS``: a JSON-lines file to which every ``check`` appends its result.
- ``AELIB_CHAPTER``: recorded with each result (the book build sets it to the chapter).
- ``AELIB_SEED``: the book's seed (default 0); every seed a chapter uses derives from it.
"""

from __future__ import annotations

import os
import platform
import random
import time

import numpy as np
import torch

__version__ = "0.3.0"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


QUICK: bool = _env_flag("AELIB_QUICK")
DEVICE: torch.device = torch.device("cpu")  # set by setup()
_START = time.perf_counter()  # reset by setup()


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
    name = preferred or os.environ.get("AELIB_DEVICE")
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
    """Seconds since ``setup()`` (or since aelib was imported)."""
    return time.perf_counter() - _START




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


def setup(seed: int | None = None, device: str | None = None, quiet: bool = False) -> torch.device:
    """Seed everything, choose the device, set the plot style, print one line about the run.

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
    from . import plot  # local import: plotting is optional for library users

    plot.use_book_style()
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
