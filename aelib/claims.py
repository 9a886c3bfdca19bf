"""The claims ledger: every number a chapter asserts, and every number it only records.

- ``check(id, claim, value, *, full, quick, reference=None, smoke=None)`` asserts a measured
  claim against the threshold of the mode it runs in (and of the data set, where a number must
  be absolute), prints a one-line verdict and records it. ``id`` is stable: the same check has
  the same id in both modes and on every data set, so that results can be matched across runs.
  A check must be able to fail on a wrong model; ``smoke="why"`` marks one whose quick budget
  cannot show the claim: in quick mode it is a smoke check, which the results page lists apart
  and never counts as verified; in full mode it is a claim like any other.
- ``record(id, name, value)`` prints and records a number that is measured but never asserted:
  run time, peak memory, timings that depend on the machine.
- ``report()`` ends a chapter: it records the chapter's run time and peak memory and returns
  the table of this session's checks and records.
- ``read_results(path)`` and ``chapter_statistics(path)`` read a results file back (the
  book's results and execution pages, ``make record``, the benchmarks).

Every check and record is appended to ``$AELIB_RESULTS`` (JSON lines) when it is set, with the
chapter being executed (``$AELIB_CHAPTER``). ``AELIB_CHECKS=record`` (used only by the margins
run, which needs every value of a chapter even when one check fails) records a failed check
without raising; the book build and the tests never set it.
"""

from __future__ import annotations

import html
import json
import math
import operator
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from . import config

Threshold = str | Mapping[str, str]
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RUN_TIME = "chapter run time (s)"
PEAK_MEMORY = "peak memory of this chapter's Python process (GiB)"
MEMORY_BUDGET_GIB = 4.0  # per chapter, recorded beside each chapter's peak memory
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@dataclass
class Result:
    """One check or record. ``kind`` is ``claim`` (asserted), ``smoke`` (asserted, not counted
    as a verified claim) or ``record`` (never asserted: ``threshold`` and ``passed`` are None)."""

    id: str
    name: str
    value: float
    threshold: str | None
    passed: bool | None
    kind: str
    mode: str
    data: str | None
    reference: str | None = None
    smoke: str | None = None
    chapter: str | None = None
    time: float = 0.0


RESULTS: list[Result] = []  # this session's checks and records, in order


def parse_threshold(spec: str) -> tuple[str, float]:
    """``">= 1.25"`` -> ``(">=", 1.25)``; a ValueError that shows the expected form otherwise."""
    spec = spec.strip()
    for symbol in (">=", "<=", ">", "<"):  # two-character operators first
        if spec.startswith(symbol):
            try:
                return symbol, float(spec[len(symbol):])
            except ValueError:
                break
    raise ValueError(f"threshold {spec!r} must look like '>= 1.25' or '< 10' (ops: >=, <=, >, <)")


def family(data: str) -> str:
    """The family of a data-set key: ``mnist-10k`` -> ``mnist`` (a subset takes its family's
    thresholds unless it has its own)."""
    return data.removesuffix("-10k")


def _for_data(spec: str | Mapping[str, str] | None, data: str | None) -> str | None:
    """``spec`` itself, or its entry for data set ``data``: its own, its family's, else ``"*"``
    (None where it has none)."""
    if spec is None or isinstance(spec, str):
        return spec
    for key in (data, family(data) if data else None, "*"):
        if key is not None and key in spec:
            return spec[key]
    return None


def resolve_threshold(spec: Threshold, data: str | None) -> str:
    """The threshold string for data set ``data``: its own entry, its family's, else ``"*"``."""
    found = _for_data(spec, data)
    if found is not None:
        return found
    raise ValueError(
        f"no threshold for data set {data!r}; thresholds are given for {sorted(spec)}"
        " (add one, or a '*' entry for any data set)"
    )


def smoke_reason(smoke: str | Mapping[str, str] | None, data: str | None) -> str | None:
    """Why a check is only a smoke check on data set ``data`` (None: it is a claim there)."""
    return _for_data(smoke, data)


def _validate_id(id: str) -> None:
    if not isinstance(id, str) or not ID_PATTERN.match(id):
        raise ValueError(f"check id {id!r} must be lower-case words joined by '-', e.g. 'deep-ae-vs-pca'"
                         " (the same in every mode and on every data set)")


def _finite(value) -> float:
    if isinstance(value, torch.Tensor):
        value = value.item()
    return float(value)


def check(id: str, claim: str, value: float, *, full: Threshold, quick: Threshold,
          reference: str | float | None = None, smoke: str | Mapping[str, str] | None = None,
          data: str | None = None) -> Result:
    """Assert the claim ``claim`` (measured ``value``) against the current mode's threshold.

    ``full`` and ``quick`` are strings such as ``">= 1.25"`` or ``"< 10"``, or mappings from a
    data-set key (``"mnist"``, ``"mnist-10k"``, ``"fashion-mnist"``; ``"*"`` for any) to such
    strings. ``smoke`` gives the reason the quick-mode check is only a smoke check: a sentence,
    or a mapping from data-set keys to sentences where quick mode shows the claim on some data
    sets and not on others (a data set it does not name keeps the check a claim). ``data``
    defaults to the data set loaded last. Prints a one-line verdict; raises ``AssertionError``
    if it fails.
    """
    _validate_id(id)
    reasons = smoke.values() if isinstance(smoke, Mapping) else [smoke]
    if smoke is not None and not all(isinstance(r, str) and r.strip() for r in reasons):
        raise ValueError("smoke must be the reason the check is only a smoke check (a sentence),"
                         " or a mapping from data-set keys to such reasons")
    value = _finite(value)
    data = data or config.current_data()
    smoke = smoke_reason(smoke, data)
    symbol, bound = parse_threshold(resolve_threshold(config.budget(full=full, quick=quick), data))
    passed = math.isfinite(value) and _OPS[symbol](value, bound)
    kind = "smoke" if smoke and config.QUICK else "claim"
    result = Result(id, claim, value, f"{symbol} {bound:g}", passed, kind,
                    config.mode(), data, None if reference is None else str(reference), smoke,
                    config.chapter(), time.time())
    _keep(result)
    label = "SMOKE " if kind == "smoke" else ""
    verdict = "PASS" if passed else "FAIL"
    ref_text = f"; reference: {result.reference}" if result.reference else ""
    print(f"[{label}{verdict}] {claim} = {value:.4g}  (needs {symbol} {bound:g} in {config.mode()} mode"
          f"{ref_text})")
    if not passed and config.failed_checks_raise():
        raise AssertionError(f"claim {id!r} ({claim}) does not hold: {value:.4g} is not {symbol} {bound:g}"
                             f" ({config.mode()} mode, data {data})")
    return result


def record(id: str, name: str, value: float, *, reference: str | None = None,
           quiet: bool = False) -> Result:
    """Print and record a measured number that is never asserted (run time, memory, timings)."""
    _validate_id(id)
    result = Result(id, name, _finite(value), None, None, "record", config.mode(), config.current_data(),
                    reference, None, config.chapter(), time.time())
    _keep(result)
    if not quiet:
        ref_text = f" ({reference})" if reference else ""
        print(f"[RECORD] {name} = {result.value:.4g}{ref_text}")
    return result


def bound(id: str) -> float:
    """The number in the threshold of this session's check ``id`` (as it applied in this mode and
    on this data set), for the text to state: "the check asks for at most {glue:text}`...`"."""
    for result in reversed(RESULTS):
        if result.id == id and result.threshold is not None:
            return parse_threshold(result.threshold)[1]
    raise KeyError(f"no check {id!r} has run in this session")


def _keep(result: Result) -> None:
    RESULTS.append(result)
    path = config.results_path()
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(result)) + "\n")


def peak_memory_gib() -> float:
    """Peak resident memory of this process so far, in GiB (CPU memory; 0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**30 if sys.platform == "darwin" else peak / 2**20  # bytes on macOS, KiB on Linux


# ----------------------------------------------------------------------------- the table


class ChecksTable:
    """A table of checks and records (claim, value, reference, threshold, verdict); HTML in
    Jupyter, plain text elsewhere."""

    HEADER = ("claim", "measured", "reference", "threshold", "verdict")

    def __init__(self, results: Sequence[Result]):
        self.results = list(results)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for r in self.results:
            if r.kind == "record":
                threshold, verdict = "(recorded)", "-"
            else:
                threshold = f"{r.threshold} ({r.mode})"
                verdict = ("pass" if r.passed else "FAIL") + (" (smoke)" if r.kind == "smoke" else "")
            rows.append((r.name, f"{r.value:.4g}", r.reference or "", threshold, verdict))
        return rows

    def __repr__(self) -> str:
        rows = [self.HEADER] + self.rows()
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self.HEADER)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows())
        return f'<table class="aelib-checks"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def report(results: Sequence[Result] | None = None, *, not_counting: float = 0.0) -> ChecksTable:
    """The checks and records of this session as a table.

    For the session's own table (no ``results`` given) it first records the chapter's run time
    (less ``not_counting`` seconds, e.g. the training of a model another chapter shares) and
    the process's peak memory. Neither is asserted: machines differ.
    """
    if results is None:
        if not_counting:
            record("run-time", "chapter run time, not counting models shared with other chapters (s)",
                   config.elapsed() - not_counting,
                   reference=f"{not_counting:.0f} s of shared training left out")
        else:
            record("run-time", RUN_TIME, config.elapsed())
        record("peak-memory", PEAK_MEMORY, peak_memory_gib(), reference=f"budget {MEMORY_BUDGET_GIB:g} GiB")
    return ChecksTable(RESULTS if results is None else results)


# ----------------------------------------------------------------------------- reading back


def read_results(path: str | os.PathLike) -> list[dict]:
    """The JSON lines of a results file, as dicts (lines that are not JSON are skipped with a
    warning printed: a build interrupted mid-line must not hide the rest)."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                print(f"aelib.claims: line {number} of {path} is not JSON; skipped")
    return rows


def chapter_statistics(path: str | os.PathLike) -> list[dict]:
    """Each chapter's run time and peak memory, from the records its ``report()`` wrote to a
    results file, one dict per chapter (and per seed, in a record of several seeds) in run
    order: ``chapter``, ``mode``, ``data``, ``seed`` (None where the file has none),
    ``seconds``, ``peak_memory_gib``."""
    rows: dict[tuple[str, int | None], dict] = {}
    for r in read_results(path):
        chapter = r.get("chapter")
        if not chapter or not chapter.startswith("chapters/"):
            continue
        row = rows.setdefault((chapter, r.get("seed")), {"benchmark": "chapter", "chapter": chapter,
                                                         "mode": r["mode"], "data": r["data"],
                                                         "seed": r.get("seed")})
        # records written before checks had ids carry only their names
        if r.get("id") == "run-time" or r["name"].startswith("chapter run time"):
            row["seconds"] = r["value"]
        elif r.get("id") == "peak-memory" or r["name"].startswith("peak memory"):
            row["peak_memory_gib"] = r["value"]
    return list(rows.values())


def recorded_ranges(paths) -> dict[tuple[str, str, str, str], tuple[float, float, int]]:
    """The range of every check's recorded values, over the seeds and floating-point paths of
    the records ``paths`` (``make margins``, ``make record``): (chapter, id, mode, data) ->
    (lowest, highest, number of runs)."""
    values: dict[tuple[str, str, str, str], list[float]] = {}
    for path in paths:
        for r in read_results(path):
            if r.get("kind") in ("claim", "smoke") and "id" in r:
                values.setdefault((r["chapter"], r["id"], r["mode"], r["data"]), []).append(r["value"])
    return {key: (min(v), max(v), len(v)) for key, v in values.items()}


# The arguments of a check that say what is asserted, not what is measured: changing them
# leaves every recorded value valid.
_STATEMENT_KEYWORDS = {"full", "quick", "smoke", "reference"}


def called_name(node) -> str | None:
    """The name a call node calls (``f`` of ``f(...)`` or ``aelib.f(...)``), else None."""
    called = getattr(node, "func", None)
    return getattr(called, "attr", getattr(called, "id", None))


def code_lines(source: str) -> list[str]:
    """A code cell's lines without its IPython magics and shell escapes (``%...``, ``!...``)."""
    return [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]


def is_glue_statement(statement) -> bool:
    """Whether an AST statement is a ``glue``/``glue_sentence`` call: prose, not measurement."""
    import ast

    from .prose import GLUE_FUNCTIONS

    call = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(call, ast.Call) and called_name(call) in GLUE_FUNCTIONS


def _without_statements(source: str) -> str:
    """``source`` with every ``check`` call's claim text and thresholds removed (the measured
    value stays) and every ``glue`` statement (prose) left out, normalised by the AST so that
    layout changes do not count either."""
    import ast

    try:
        tree = ast.parse("\n".join(code_lines(source)))
    except SyntaxError:
        return source
    for node in ast.walk(tree):  # glue calls are prose: they measure nothing
        if hasattr(node, "body") and isinstance(node.body, list):
            kept = [s for s in node.body if not is_glue_statement(s)]
            node.body = kept or ([] if isinstance(node, ast.Module) else [ast.Pass()])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called_name(node) == "check":
            node.keywords = [k for k in node.keywords if k.arg not in _STATEMENT_KEYWORDS]
            node.args = node.args[:1] + node.args[2:]  # (id, value): the claim's wording goes
    return ast.unparse(tree)


def _code_cells(notebook_text: str) -> list[str]:
    """Each code cell of a notebook, normalised as the code hash reads it (empty ones left out)."""
    notebook = json.loads(notebook_text)
    cells = (_without_statements("".join(c["source"])) for c in notebook["cells"] if c["cell_type"] == "code")
    return [cell for cell in cells if cell.strip()]  # a cell of glue calls only adds nothing


def notebook_code_hash(notebook_text: str) -> str:
    """``code_hash`` of a notebook given as its JSON text (e.g. a version from git's history)."""
    import hashlib

    return hashlib.sha256("\n".join(_code_cells(notebook_text)).encode()).hexdigest()[:12]


def code_hash(page: str | os.PathLike) -> str:
    """A short hash of a notebook's code: it changes when what the page measures changes, not
    when only a threshold or a claim's wording does (a record of its values stays valid)."""
    return notebook_code_hash(Path(page).read_text(encoding="utf-8"))


MODE_MARKERS = ("budget(", "QUICK", "mode()")


def mode_dependent_lines(notebook_text: str) -> list[str]:
    """The normalised code lines of a notebook that differ between quick and full mode (budgets,
    mode tests): a change elsewhere that leaves every quick-mode value as it was leaves the
    full-mode values as they were too."""
    return [line for cell in _code_cells(notebook_text) for line in cell.splitlines()
            if any(marker in line for marker in MODE_MARKERS)]
