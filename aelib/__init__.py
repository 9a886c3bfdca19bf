"""aelib: the thin shared library of *Autoencoders and Generative Models, runnable*.

Every chapter starts with ``import aelib; aelib.setup()``. The modules are small enough to
read top to bottom: ``config`` (mode, budgets, checks), ``data``, ``text``, ``train``,
``models``, ``pca``, ``metrics``, ``filters``, ``plot``, ``show``; ``cache`` and ``recipes``
share trained models between chapters; ``widgets`` (imported on use, it needs ipywidgets)
holds the interactive explorers.
"""

from . import cache, config, data, filters, metrics, models, pca, plot, recipes, text, train, tsne
from .config import QUICK, __version__, budget, check, elapsed, mode, setup
from .show import show

__all__ = ["QUICK", "__version__", "budget", "cache", "check", "config", "elapsed", "data", "filters",
           "metrics", "mode", "models", "pca", "plot", "recipes", "report", "setup", "show", "text",
           "train", "tsne"]


def report(results=None):
    """The checks run so far in this session, as a table (HTML in Jupyter, text otherwise)."""
    from .report import ChecksTable

    return ChecksTable(config.RESULTS if results is None else results)
