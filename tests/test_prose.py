"""The prose states no number by hand: every measured number is glued from the run on its page.

For every chapter, and the benchmarks page: each number in its markdown is glued
(``aelib.glue``) or covered by an entry of ``tests/prose_allowed.py`` with its category (a
paper's number beside its citation, a constant of the code, notation); every glue role names
a key that one top-level call glues (so it exists in both modes and on every data set: a
missing key fails the ``-W`` book build), and every glued key is used.
"""

from __future__ import annotations

import collections
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from aelib import claims, prose
from tests.prose import (
    glue_calls,
    glue_references,
    hidden_displays,
    markdown_cells,
    numbers_in,
    phrase_pattern,
    strip_non_prose,
)
from tests.prose_allowed import ALLOWED, CATEGORIES

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(ROOT.glob("chapters/*.ipynb")) + [ROOT / "benchmarks.ipynb"]  # every executed page


def test_every_chapter_has_an_entry():
    assert {p.stem for p in CHAPTERS} == set(ALLOWED)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_no_number_typed_by_hand(page):
    allowed = ALLOWED.get(page.stem, [])
    typed = [f"cell {i}: {hit}" for i, md in markdown_cells(page) for hit in numbers_in(md, allowed)]
    assert not typed, ("numbers typed into the prose: glue them (aelib.glue) or, if they are not "
                       "measured, list them in tests/prose_allowed.py with their category:\n"
                       + "\n".join(typed))


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_allowed_phrases_are_used_and_cited(page):
    cells = [(strip_non_prose(md), md) for _, md in markdown_cells(page)]
    for phrase, category in ALLOWED.get(page.stem, []):
        assert category.split(":")[0] in CATEGORIES, f"{phrase!r}: unknown category {category!r}"
        where = [raw for text, raw in cells if re.search(phrase_pattern(phrase), text)]
        assert where, f"{page.stem}: allowed phrase {phrase!r} no longer appears: remove it"
        if category.startswith("paper"):
            assert all("{cite" in raw for raw in where), (
                f"{page.stem}: {phrase!r} is a paper's number: cite the paper in the same paragraph")


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_every_glue_role_has_one_top_level_glue(page):
    calls, not_top_level = glue_calls(page)
    assert not not_top_level, ("glue calls must be top-level statements with a literal key, so that "
                               "the key exists in every mode:\n" + "\n".join(not_top_level))
    counts = collections.Counter(key for _, key in calls)
    assert not [k for k, n in counts.items() if n > 1], f"keys glued twice: {counts}"
    function = dict((key, name) for name, key in calls)
    references = glue_references(page)
    for role, key in references:
        assert key in function, f"{page.stem}: {{glue:{role}}}`{key}` is never glued"
        expected = "glue_sentence" if role == "md" else "glue"
        assert function[key] == expected, f"{page.stem}: {{glue:{role}}}`{key}` needs {expected}()"
    unused = set(function) - {key for _, key in references}
    assert not unused, f"{page.stem}: glued but never used in the text: {sorted(unused)}"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_glue_does_not_hide_a_cells_display(page):
    hidden = hidden_displays(page)
    assert not hidden, ("glue calls after a cell's last expression hide what it displays;"
                        " move them above it:\n" + "\n".join(hidden))


def test_scan_finds_typed_numbers_and_skips_what_is_not_prose():
    text = ("The probe reaches 91.2% ({glue:text}`acc:.1%` here), about ten times better, with "
            "$k = 5$ and `steps=400` in chapter 5 on 28 x 28 images (Burda et al. 2016).")
    hits = numbers_in(text, [])
    assert [h.split(" in ")[0] for h in hits] == ["'91.2%'", "'ten'"]
    assert numbers_in(text, [("91.2%", "paper"), ("ten times", "constant")]) == []


def test_glue_takes_plain_numbers_only():
    prose.glue("test-tensor", torch.tensor(0.25))
    prose.glue("test-numpy", np.float64(1.5))
    prose.glue("test-int", np.int64(7))
    assert prose.glued()["test-tensor"] == 0.25 and type(prose.glued()["test-numpy"]) is float
    assert type(prose.glued()["test-int"]) is int
    bad_values = [(True, TypeError), (math.nan, ValueError), (torch.ones(2), ValueError), ([1], TypeError)]
    for bad, error in bad_values:
        with pytest.raises(error):
            prose.glue("test-bad", bad)
    with pytest.raises(ValueError, match="letters"):
        prose.glue("a key", 1)


def test_code_hash_ignores_glue(tmp_path):
    import json

    def page(code):
        path = tmp_path / "page.ipynb"
        path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c} for c in code]}))
        return claims.code_hash(path)

    base = page(["x = 1\ny = x + 1"])
    assert page(["x = 1\naelib.glue('x', x)\ny = x + 1"]) == base
    assert page(["x = 1\ny = x + 1", "aelib.glue('y', y)\nglue_sentence('s', 'Yes.')"]) == base
    assert page(["x = 2\ny = x + 1"]) != base
