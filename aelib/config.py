"""Run configuration shared by every chapter: quick/full mode, budgets, seeds, device, checks.

Environment variables (all optional):

- ``AELIB_QUICK=1``: quick mode (tests, CI): smaller budgets, same code paths.
- ``AELIB_DATASET``: default data set for ``aelib.data.load`` (``mnist`` or ``fashion-mnist``).
- ``AELIB_DEVICE``: force a device (``cpu``, ``cuda``, ``mps``); default cuda > mps > cpu.
- ``AELIB_PROGRESS``: ``auto`` (tqdm bars, the default), ``text`` or ``none`` (one summary line).
- ``AELIB_RESULTS``: a JSON-lines file to which every ``check`` appends its result.
- ``AELIB_CHAPTER``: recorded with each result (the book build sets it to the chapter).
"""

from __future__ import annotations

import json
import operator
import os
import platform
import random
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import torch

__version__ = "0.2.0"


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


def peak_memory_gib() -> float:
    """Peak resident memory of this process so far, in GiB (CPU memory; 0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**30 if sys.platform == "darwin" else peak / 2**20  # bytes on macOS, KiB on Linux


MEMORY_BUDGET_GIB = 4.0


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed: int = 0, device: str | None = None, quiet: bool = False) -> torch.device:
    """Seed everything, choose the device, set the plot style, print one line about the run.

    Returns the device; it is also available as ``aelib.config.DEVICE``.
    """
    global DEVICE, _START
    _START = time.perf_counter()
    seed_everything(seed)
    DEVICE = pick_device(device)
    from . import plot  # local import: plotting is optional for library users

    plot.use_book_style()
    if not quiet:
        threads = torch.get_num_threads()
        print(
            f"aelib {__version__} | torch {torch.__version__} | device {DEVICE}"
            f" ({threads} CPU threads) | {mode()} mode | seed {seed}"
            f" | python {platform.python_version()}"
        )
    return DEVICE


# ----------------------------------------------------------------------------- checks

Threshold = str | Mapping[str, str]
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass
class CheckResult:
    name: str
    value: float
    threshold: str
    passed: bool
    mode: str
    data: str | None
    reference: str | None
    time: float


RESULTS: list[CheckResult] = []
_current_data: str | None = None  # key of the last data set loaded (set by aelib.data.load)


def _set_current_data(key: str) -> None:
    global _current_data
    _current_data = key


def _parse_threshold(spec: str) -> tuple[str, float]:
    spec = spec.strip()
    for symbol in (">=", "<=", ">", "<"):  # two-character operators first
        if spec.startswith(symbol):
            try:
                return symbol, float(spec[len(symbol) :])
            except ValueError:
                break
    raise ValueError(f"threshold {spec!r} must look like '>= 1.25' or '< 10' (ops: >=, <=, >, <)")


def _resolve_threshold(spec: Threshold, data: str | None) -> str:
    if isinstance(spec, str):
        return spec
    if data is not None and data in spec:
        return spec[data]
    # a data key like "mnist-10k" falls back to its family ("mnist") only if given as "*"
    if "*" in spec:
        return spec["*"]
    raise ValueError(
        f"no threshold for data set {data!r}; thresholds are given for {sorted(spec)}"
        " (add one, or a '*' entry for any data set)"
    )


def check(
    name: str,
    value: float,
    *,
    full: Threshold,
    quick: Threshold,
    reference: str | float | None = None,
    data: str | None = None,
) -> CheckResult:
    """Assert a measured claim against the current mode's threshold and record it.

    ``full`` and ``quick`` are strings such as ``">= 1.25"`` or ``"< 10"``, or mappings from a
    data-set key (``"mnist"``, ``"mnist-10k"``, ``"fashion-mnist"``; ``"*"`` for any) to such
    strings, for numbers that must be absolute. ``data`` defaults to the data set loaded last.
    Prints a one-line verdict; raises ``AssertionError`` if the claim does not hold.
    """
    if isinstance(value, torch.Tensor):
        value = value.item()
    value = float(value)
    data = data or _current_data
    spec = _resolve_threshold(quick if QUICK else full, data)
    symbol, bound = _parse_threshold(spec)
    passed = bool(np.isfinite(value)) and _OPS[symbol](value, bound)
    ref = None if reference is None else str(reference)
    result = CheckResult(name, value, f"{symbol} {bound:g}", passed, mode(), data, ref, time.time())
    RESULTS.append(result)
    _record(result)
    verdict = "PASS" if passed else "FAIL"
    ref_text = f"; reference: {ref}" if ref else ""
    print(f"[{verdict}] {name} = {value:.4g}  (needs {symbol} {bound:g} in {mode()} mode{ref_text})")
    if not passed:
        raise AssertionError(
            f"claim {name!r} does not hold: {value:.4g} is not {symbol} {bound:g}"
            f" ({mode()} mode, data {data})"
        )
    return result


def _record(result: CheckResult) -> None:
    path = os.environ.get("AELIB_RESULTS")
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            # AELIB_CHAPTER: the chapter being executed, set by the book build (_ext/book_pages.py)
            record = asdict(result) | {"chapter": os.environ.get("AELIB_CHAPTER")}
            f.write(json.dumps(record) + "\n")
