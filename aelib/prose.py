"""Numbers the text states, computed on the page that states them (MyST-NB ``glue``).

A chapter never types a measured number into its prose. It glues the value where it is
computed and the markdown refers to it by key::

    aelib.glue("ae-probe-accuracy", accuracy)            # a code cell
    The probe reaches {glue:text}`ae-probe-accuracy:.1%`.  # a markdown cell

- ``glue(key, value)`` gives the text a number (int or float; tensors and NumPy scalars are
  converted, since NumPy 2 scalars print as ``np.float64(...)`` and break the format spec) or
  a short plain string. Refer to it with ``{glue:text}`key:format``` (``:.3f``, ``:,``, ``:.1%``).
- ``glue_sentence(key, markdown)`` gives the text a whole sentence, for a statement whose
  wording depends on the run (a comparison that goes one way on MNIST and the other on
  Fashion-MNIST). Refer to it with ``{glue:md}`key```.

Glue calls are prose, not measurement: ``claims.code_hash`` leaves them out, so adding one
keeps a chapter's margin records valid. Give them values already computed, never a
computation that draws random numbers. ``tests/test_prose.py`` checks that every key the
markdown names is glued by a top-level call (so in every mode and on every data set) and that
no number is typed into the prose by hand.
"""

from __future__ import annotations

import math
import numbers

GLUE_FUNCTIONS = ("glue", "glue_sentence")  # the names code_hash and the prose test look for
_glued: dict[str, object] = {}


def _plain(key: str, value):
    if hasattr(value, "item") and callable(value.item):  # torch / NumPy scalars
        if getattr(value, "ndim", 0) != 0 and getattr(value, "numel", lambda: 1)() != 1:
            raise ValueError(f"glue({key!r}): the value must be one number, got shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool):
        raise TypeError(f"glue({key!r}): a yes/no belongs in a sentence (glue_sentence), not a number")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"glue({key!r}): {value} is not a number the text can state")
        return value
    if isinstance(value, str):
        return value
    raise TypeError(f"glue({key!r}): expected a number or a string, got {type(value).__name__}")


def _validate_key(key: str) -> None:
    if not isinstance(key, str) or not key or not all(c.isalnum() or c in "-_" for c in key):
        raise ValueError(f"glue key {key!r}: use letters, digits, '-' and '_' only")


def _emit(key: str, value) -> None:
    _glued[key] = value
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # aelib used outside the book: nothing renders glue
        return
    myst_glue(key, value, display=False)


def glue(key: str, value) -> None:
    """Give this page's text the number (or short string) ``value`` under ``key``."""
    _validate_key(key)
    _emit(key, _plain(key, value))


def glue_sentence(key: str, markdown: str) -> None:
    """Give this page's text a sentence (Markdown) under ``key``: ``{glue:md}`key```."""
    _validate_key(key)
    if not isinstance(markdown, str) or not markdown.strip():
        raise ValueError(f"glue_sentence({key!r}): the sentence is empty")
    try:
        from IPython.display import Markdown
    except ImportError:
        _glued[key] = markdown
        return
    _emit(key, Markdown(markdown))


def glued() -> dict[str, object]:
    """The keys glued in this session and their values (plain numbers, strings, Markdown)."""
    return dict(_glued)
