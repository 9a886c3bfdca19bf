"""aelib: the thin shared library of *Autoencoders and Generative Models, runnable*.

Every chapter starts with ``import aelib; aelib.setup()``. The modules are small enough to
read top to bottom: ``config`` (every setting and environment variable, mode, budgets, seeds,
device), ``claims`` (``check``, ``record``, ``report``: every claim a chapter asserts), ``prose``
(``glue``: every number the text states), ``data``, ``text``, ``train``, ``models`` (their
contract in ``models.base``), ``pca``, ``metrics``, ``filters``, ``plot``, ``listing``
(``show``), ``validate`` (the input checks behind every public function's clear errors);
``cache`` and ``recipes`` share trained models between chapters; ``widgets`` (imported on use,
it needs ipywidgets) holds the interactive explorers; ``session`` holds ``setup``.

Layers, lowest first. A module imports only from the layers below its own (never from its own
layer or above), so each can be read, and tested, knowing only what is below it;
``tests/test_layers.py`` keeps it so:

1. validate, checkpoint, prose, listing
2. config
3. plot, metrics, pca, data
4. text, claims, filters, models.base
5. models.autoencoder
6. models.classifier
7. models.adversarial, models.autoregressive, models.conv, models.document, models.robust,
   models.sparse, models.stacked, models.vae, models.wta
8. models.made
9. models, train, tsne
10. cache, session, widgets
11. recipes

The benchmark suite that measures aelib against its references lives outside it, in
``benchmarks/`` (``python -m benchmarks``).
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
from .config import QUICK, __version__, budget, elapsed, generator, manual_seed, mode, seed, timed
from .listing import show
from .prose import glue, glue_sentence
from .session import setup

__all__ = ["QUICK", "__version__", "budget", "cache", "check", "claims", "config", "elapsed", "data",
           "filters", "generator", "glue", "glue_sentence", "manual_seed", "metrics", "mode", "models",
           "pca", "plot", "prose", "recipes", "record", "report", "seed", "setup", "show", "text", "train",
           "timed", "tsne", "validate"]
