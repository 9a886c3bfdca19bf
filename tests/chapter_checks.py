"""The ``aelib.check`` calls of the book's pages, read from the notebooks' source (not run).

Tests use this to hold every check to the book's rules (stable literal ids, literal thresholds,
few smoke checks) and to test a chapter's headline claim against the threshold the chapter
itself asserts, so that a test and its chapter cannot drift apart.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aelib import claims

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "chapters").glob("*.ipynb")) + [ROOT / "benchmarks.ipynb"]


@dataclass(frozen=True)
class CheckCall:
    page: str  # e.g. "02_autoencoders"
    id: str
    full: str | dict
    quick: str | dict
    smoke: str | None
    line: str  # the call's first source line, for messages
    text: str  # the whole call


def _is_check(call: ast.Call) -> bool:
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr == "check" and isinstance(f.value, ast.Name)
            and f.value.id == "aelib") or (isinstance(f, ast.Name) and f.id == "check")


def code(page: Path) -> str:
    notebook = json.loads(page.read_text(encoding="utf-8"))
    return "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")


@cache
def calls(page: Path) -> tuple[CheckCall, ...]:
    """Every ``aelib.check(...)`` call of a page, in source order. Raises ValueError where an id
    or a threshold is not a literal (the rules below need to read them without running)."""
    source = code(page)
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and _is_check(node)):
            continue
        text = ast.get_source_segment(source, node)
        line = text.splitlines()[0]
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            raise ValueError(f"{page.stem}: a check whose id is not a string literal: {line}")
        keywords = {k.arg: k.value for k in node.keywords}
        try:
            full, quick = (ast.literal_eval(keywords[mode]) for mode in ("full", "quick"))
            smoke = ast.literal_eval(keywords["smoke"]) if "smoke" in keywords else None
        except (KeyError, ValueError) as err:
            raise ValueError(f"{page.stem}: thresholds and smoke reasons must be literals: {line}") from err
        found.append(CheckCall(page.stem, node.args[0].value, full, quick, smoke, line, text))
    return tuple(sorted(found, key=lambda c: source.index(c.line)))


def threshold(chapter: str, id: str, mode: str, data: str = "mnist-10k") -> tuple[str, float]:
    """The (operator, bound) that chapter ``chapter`` asserts for check ``id`` in ``mode``."""
    (page,) = [p for p in PAGES if p.stem == chapter]
    (call,) = [c for c in calls(page) if c.id == id]
    return claims.parse_threshold(claims.resolve_threshold(call.full if mode == "full" else call.quick, data))


def holds(value: float, chapter: str, id: str, mode: str = "quick", data: str = "mnist-10k") -> bool:
    """Whether ``value`` meets the threshold chapter ``chapter`` asserts for check ``id``."""
    symbol, bound = threshold(chapter, id, mode, data)
    return claims._OPS[symbol](value, bound)


def assert_separates(chapter: str, id: str, *, correct: float, broken: float, mode: str = "quick") -> None:
    """The measurement of a correct model meets chapter ``chapter``'s threshold for check ``id``
    and the same measurement of a broken variant does not: the check can fail."""
    assert holds(correct, chapter, id, mode), f"{chapter}/{id}: the correct model gives {correct}"
    assert not holds(broken, chapter, id, mode), f"{chapter}/{id}: the broken variant passes with {broken}"
