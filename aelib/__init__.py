"""aelib: the thin shared library of *Autoencoders and Generative Models, runnable*.

Every chapter starts with ``import aelib; aelib.setup()``. The modules are small enough to
read top to bottom: ``config`` (mode, budgets, seeds, device), ``claims`` (``check``,
``record``, ``report``: every claim a chapter asserts), ``prose`` (``glue``: every number the
text states), ``data``, ``text``, ``train``, ``models``, ``pca``, ``metrics``, ``filters``,
``plot``, ``show``, ``validate`` (the input
checks behind every public function's clear errors); ``cache`` and ``recipes`` share trained
models between chapters; ``widgets`` (imported on use, it needs ipywidgets) holds the
interactive explorers.
"""

from . import (
    cache,
    claims,
    config,
    data,
    filters,
    metrics,
    models,
    pca,
    plot,
    prose,
    recipes,
    text,
    train,
    tsne,
    validate,
)
from .claims import check, record, report
from .config import QUICK, __version__, budget, elapsed, generator, manual_seed, mode, seed, setup
from .prose import glue, glue_sentence
from .show import show

__all__ = ["QUICK", "__version__", "budget", "cache", "check", "claims", "config", "elapsed", "data",
           "filters", "generator", "glue", "glue_sentence", "manual_seed", "metrics", "mode", "models",
           "pca", "plot", "prose", "recipes", "record", "report", "seed", "setup", "show", "text", "train",
           "tsne", "validate"]
