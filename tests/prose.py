"""Reading a chapter's prose for the numbers it states (used by tests/test_prose.py).

``numbers_in(text)`` finds every number a reader sees in a markdown cell: digits and number
words ("ten times", "two thirds", "a few"), after leaving out what is not prose: maths, code,
roles (glue, citations, cross-references), link targets, directive options and HTML comments.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from aelib.claims import called_name, code_lines, is_glue_statement
from aelib.prose import GLUE_FUNCTIONS

NUMBER_WORDS = (
    "three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    "fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|"
    "half|halves|thirds?|quarters?|fifths?|sixths?|tenths?|twice|thrice|double|triple|few|"
    "several|dozens?"
)
# "one" and "two" are left out: far more often a pronoun or notation ("the one that", "two
# samples") than a measured count; "twice", "half", "two thirds" are caught by their other words.
NUMBER = re.compile(rf"(?<![\w.])\d+(?:,\d{{3}})*(?:\.\d+)?%?|\b(?:{NUMBER_WORDS})\b", re.IGNORECASE)

# Numbers that are never measurements, on every page: (pattern, category).
GLOBAL_ALLOWED = [
    (r"^#+ *\d+[a-c]?\.", "notation: the chapter's number in its title"),
    (r"^ *\d+\. ", "notation: a numbered list"),
    (r"[Cc]hapters?\s+\d+[a-c]?(?:(?:,|\s+and|\s+or|–|\s+to)\s+\d+[a-c]?)*", "cross-reference to a chapter"),
    (r"\d+ ?(?:x|×|by) ?\d+(?: ?(?:x|×) ?\d+)?", "constant: an image or kernel size"),
    (r"\b(?:19|20)\d\d[a-z]?\b", "citation: a paper's year"),
    (r"\b(?:[Ll]evels?|stride|padding|kernel(?: size)?|[Ee]xercise)\s+\d+\b",
     "notation: a level, a setting or an exercise named"),
    (r"\b784\b", "constant: the pixels of a 28 x 28 image"),
    (r"\b(?:top|bottom|lower|upper|first|second|last) (?:half|halves)\b",
     "notation: part of an image or text"),
    (r"(?<![\d.,])\b[01]\b(?![.,]\d)", "notation: zero and one as values in a definition"),
    (r"\b\d+-(?:NN|nearest)\b", "notation: k-nearest neighbours with k named"),
    (r"\b\d+(?:-\d+){2,}\b", "constant: the layer widths of a network (784-256-128)"),
    (r"\b[A-Za-z]+-\d+[a-z]?\b", "name: a model or method with a number in its name (PCA-30, IWAE-5)"),
    (r"\b\d+-(?:D|dimensional|number|bit|unit|sample|step|layer)\b|\b\d+D\b",
     "notation: a size named with its model"),
    (r"@\d+\b", "notation: precision@k with k named"),
    (r"\b\d+s\b", "notation: digit classes (4s and 9s)"),
]


def strip_non_prose(markdown: str) -> str:
    """``markdown`` with maths, code, roles, link targets, directive lines and comments blanked
    (replaced by spaces, so that what remains keeps its line structure)."""
    patterns = [
        r"^ *```.*?^ *```", r"<!--.*?-->", r"\$\$.*?\$\$", r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}",
        r"(?<!\\)\$[^$]+\$",
        r"\{[\w:-]+\}`[^`\n]*`", r"``[^`\n]*``", r"`[^`\n]*`", r"\]\([^)\n]*\)", r"\]\[[^\]\n]*\]",
        r"^ *(?:```|:::)[^\n]*$", r"^ *:[\w-]+:[^\n]*$", r"<[^>\n]+>", r"\(\#[\w-]+\)=",
    ]
    for pattern in patterns:
        markdown = re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), markdown,
                          flags=re.DOTALL | re.MULTILINE)
    return markdown


def phrase_pattern(phrase: str) -> str:
    """An allowed phrase as a pattern: any run of whitespace (a line break) matches a space."""
    return r"\s+".join(re.escape(word) for word in phrase.split())


def numbers_in(markdown: str, allowed: list[tuple[str, str]]) -> list[str]:
    """The numbers of ``markdown`` (stripped of what is not prose) that no allowed phrase or
    pattern covers, each with the words around it."""
    text = strip_non_prose(markdown)
    covered = [False] * len(text)
    for pattern, _category in GLOBAL_ALLOWED:
        for m in re.finditer(pattern, text, flags=re.MULTILINE):
            covered[m.start():m.end()] = [True] * (m.end() - m.start())
    for phrase, _category in allowed:
        for m in re.finditer(phrase_pattern(phrase), text):
            covered[m.start():m.end()] = [True] * (m.end() - m.start())
    found = []
    for m in NUMBER.finditer(text):
        if not all(covered[m.start():m.end()]):
            context = " ".join(text[max(0, m.start() - 45):m.end() + 30].split())
            found.append(f"{m.group(0)!r} in '...{context}...'")
    return found


def cells(page: Path) -> list[dict]:
    return json.loads(page.read_text(encoding="utf-8"))["cells"]


def markdown_cells(page: Path) -> list[tuple[int, str]]:
    return [(i, "".join(c["source"])) for i, c in enumerate(cells(page)) if c["cell_type"] == "markdown"]


GLUE_ROLE = re.compile(r"\{glue:(text|md)\}`([\w-]+)(?::[^`]*)?`")


def glue_references(page: Path) -> list[tuple[str, str]]:
    """(role, key) for every glue role in the page's markdown: role is ``text`` or ``md``."""
    return [m.groups() for _, md in markdown_cells(page) for m in GLUE_ROLE.finditer(md)]


def code_cells(page: Path):
    """(index, lines, AST) of every code cell of the page, magics left out."""
    for i, cell in enumerate(cells(page)):
        if cell["cell_type"] == "code":
            lines = code_lines("".join(cell["source"]))
            yield i, lines, ast.parse("\n".join(lines))


def glue_calls(page: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(function, key) of every top-level ``glue``/``glue_sentence`` call with a literal key in
    the page's code cells, and a description of every glue call that is not top-level or whose
    key is not a literal (a key glued in one branch is missing in the other mode)."""
    top, bad = [], []
    for i, _, tree in code_cells(page):
        top_level = {id(s.value) for s in tree.body if isinstance(s, ast.Expr)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or called_name(node) not in GLUE_FUNCTIONS:
                continue
            key = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            if id(node) not in top_level or not isinstance(key, str):
                bad.append(f"cell {i}: {ast.unparse(node)[:80]}")
            else:
                top.append((called_name(node), key))
    return top, bad


def hidden_displays(page: Path) -> list[str]:
    """Cells whose displayed result (the value of their last expression: a widget, an animation)
    a glue call placed after it would hide: Jupyter shows only the last statement's value."""
    hidden = []
    for i, lines, tree in code_cells(page):
        body = tree.body
        rest = [s for s in body if not is_glue_statement(s)]
        if not rest or rest[-1] is body[-1] or not isinstance(rest[-1], ast.Expr):
            continue
        shown = rest[-1].value
        silenced = lines[rest[-1].end_lineno - 1].rstrip().endswith(";")  # a trailing ";" hides it anyway
        if called_name(shown) in ("print", "show", "tight_layout", "legend") or silenced:
            continue
        hidden.append(f"cell {i}: {ast.unparse(shown)[:70]}")
    return hidden
