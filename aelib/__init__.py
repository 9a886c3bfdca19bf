"""aelib: the thin shared library of *Autoencoders and Generative Models, runnable*.

Every chapter starts with ``import aelib; aelib.setup()``. The modules are small enough to
read top to bottom: ``config`` (mode, budgets, checks), ``data``, ``text``, ``train``,
``models``, ``pca``, ``metrics``, ``filters``, ``plot``, ``show``, ``validate`` (the input
checks behind every public function's clear errors); ``cache`` and ``recipes``
share trained models between chapters; ``widgets`` (imported on use, it needs ipywidgets)
holds the interactive explorers.
"""

from . import cache, config, data, filters, metrics, models, pca, plot, recipes, text, train, tsne, validate
from .config import QUICK, __version__, budget, check, elapsed, mode, setup
from .report import ChecksTable  # imported before ``def report`` below, which must win the name
from .show import show

__all__ = ["QUICK", "__version__", "budget", "cache", "check", "config", "elapsed", "data", "filters",
           "metrics", "mode", "models", "pca", "plot", "recipes", "report", "setup", "show", "text",
           "train", "tsne", "validate"]


def report(results=None):
    """The checks run so far in this session, as a table (HTML in Jupyter, text otherwise).

    For the session's own table (no ``results`` given) it first checks the process's peak
    memory against the book's budget of 4 GiB per chapter, so every chapter records it.
    """
    if results is None:
        config.check("peak memory of this chapter's Python process (GiB)", config.peak_memory_gib(),
                     full=f"<= {config.MEMORY_BUDGET_GIB:g}", quick=f"<= {config.MEMORY_BUDGET_GIB:g}",
                     reference="budget per chapter")
    return ChecksTable(config.RESULTS if results is None else results)
