"""``aelib.setup()``, the call every chapter starts with: the run's configuration (seeds,
device, one line about the run, from ``config``) and the book's plot style (from ``plot``).

It sits above both, so that ``config``, which every module reads, imports nothing of aelib.
"""

from __future__ import annotations

import torch

from . import config, plot


def setup(seed: int | None = None, device: str | None = None, quiet: bool = False) -> torch.device:
    """Seed everything, choose the device, set the plot style, print one line about the run.

    ``seed`` replaces the book's seed (default: ``AELIB_SEED``, else 0); ``device`` the device
    (default: ``AELIB_DEVICE``, else cuda > mps > cpu). Returns the device; it is also available
    as ``aelib.config.DEVICE``.
    """
    chosen = config.configure(seed=seed, device=device, quiet=quiet)
    plot.use_book_style()
    return chosen
