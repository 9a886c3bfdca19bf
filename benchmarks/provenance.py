"""What a recorded run says about itself: when, on which commit, on which machine."""

from __future__ import annotations

import platform
import subprocess
import time

import torch


def cpuinfo(field: str) -> str | None:
    """The value of ``field`` (``model name``, ``flags``) for the first CPU in ``/proc/cpuinfo``,
    or None where there is no such file or field."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith(field))
    except (OSError, StopIteration):
        return None


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the machine type."""
    return cpuinfo("model name") or platform.machine()


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()
    except OSError:  # no git: a copy of the book outside a repository
        return ""


def run_description(**extra) -> dict:
    """What a recorded run needs to say about itself: date, commit (with a note if the working
    tree has uncommitted changes), machine and torch version, plus ``extra``."""
    # records/ is what a recording run writes: its own output does not make the code uncommitted
    changed = _git("status", "--porcelain", "--", ".", ":!records")
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    commit += " with uncommitted changes" if changed else ""
    return {"date": time.strftime("%Y-%m-%d"), "commit": commit,
            "machine": f"{torch.get_num_threads()} CPU threads of {cpu_name()}", "torch": torch.__version__,
            **extra}
