"""A small table of the claims checked so far (name, value, reference, threshold, verdict)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from .config import CheckResult


class ChecksTable:
    def __init__(self, results: Sequence[CheckResult]):
        self.results = list(results)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        return [(r.name, f"{r.value:.4g}", r.reference or "", f"{r.threshold} ({r.mode})",
                 "pass" if r.passed else "FAIL") for r in self.results]

    def __repr__(self) -> str:
        header = ("claim", "measured", "reference", "threshold", "verdict")
        rows = [header] + self.rows()
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("claim", "measured", "reference", "threshold",
                                                  "verdict"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows())
        return f'<table class="aelib-checks"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
