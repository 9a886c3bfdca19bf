"""aelib: the thin shared library of *Autoencoders and Generative Models, runnable*.

Every chapter starts with ``import aelib; aelib.setup()``. The modules are small enough to
read top to bottom: ``config`` (mode, budgets, checks), ``data``, ``train``, ``models``,
``pca``, ``metrics``, ``plot``, ``show``.
"""

from . import config, data, metrics, models, pca, plot, train, tsne
from .config import QUICK, __version__, budget, check, elapsed, mode, setup
from .show import show

__all__ = ["QUICK", "__version__", "budget", "check", "config", "elapsed", "data", "metrics", "mode",
           "models", "pca", "plot", "setup", "show", "train", "tsne", "report"]


def report(results=None):
    """The checks run so far in this session, as a table (HTML in Jupyter, text otherwise)."""
    from .report import ChecksTable

    return ChecksTable(config.RESULTS if results is None else results)
