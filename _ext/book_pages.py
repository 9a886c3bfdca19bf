"""Pages assembled from the executed chapters at build time.

- ``{chapter-gallery}``: one figure from each chapter, with its title, for the landing page.
  The figure is the first output image of the chapter, or the first one in a cell tagged
  ``landing-figure``.
- ``{check-results}``: every ``aelib.check`` and ``aelib.record`` the chapters ran during this
  build (read from ``$AELIB_RESULTS``, which ``make book`` sets): verified claims, smoke checks
  and records, in three tables with a link to each chapter.
- ``{chapter-resources}``: each chapter's run time and peak memory, from its own records in
  this build; ``{chapter-resources} records/NAME.jsonl``: the same from a recorded run (a
  results file ``make record`` wrote, whose first line says when, where and how it ran).

Before each page is read (and, if it is a notebook, executed by myst-nb), ``AELIB_CHAPTER``
is set to its document name; the Jupyter kernel inherits it, and ``aelib.check`` records it with each
result.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
CHAPTERS = "chapters/"


class gallery_placeholder(nodes.General, nodes.Element):
    pass


class results_placeholder(nodes.General, nodes.Element):
    pass


class resources_placeholder(nodes.General, nodes.Element):
    pass


class ChapterGallery(SphinxDirective):
    def run(self):
        return [gallery_placeholder()]


class CheckResults(SphinxDirective):
    def run(self):
        return [results_placeholder()]


class ChapterResources(SphinxDirective):
    optional_arguments = 1  # a recorded results file, relative to the book's root

    def run(self):
        if not self.arguments:
            return [resources_placeholder()]
        path = Path(self.env.srcdir) / self.arguments[0]
        if not path.is_file():
            raise self.error(f"chapter-resources: no recorded results file {path}")
        self.env.note_dependency(str(path))
        return [resources_placeholder(record=str(path))]


def mark_document(app, docname, source):
    os.environ["AELIB_CHAPTER"] = docname


def _chapters(app) -> list[str]:
    """Chapter documents in the order of the table of contents."""
    env = app.builder.env
    order = [env.config.root_doc]
    # toctree_includes maps a document to the documents its toctrees list, in order
    for doc in order:
        order += [d for d in env.toctree_includes.get(doc, []) if d not in order]
    return [d for d in order if d.startswith(CHAPTERS)]


def _title(app, docname: str) -> str:
    title = app.builder.env.titles.get(docname)
    return title.astext() if title is not None else docname


def _link(app, fromdocname: str, docname: str, text: str) -> nodes.reference:
    uri = app.builder.get_relative_uri(fromdocname, docname)
    return nodes.reference("", text, internal=True, refuri=uri)


def _landing_image(doctree: nodes.document) -> nodes.image | None:
    tagged = [c for c in doctree.findall(nodes.container) if "tag_landing-figure" in c.get("classes", [])]
    for root in tagged + [doctree]:
        for image in root.findall(nodes.image):
            return image
    return None


def _gallery(app, fromdocname: str) -> nodes.Node:
    grid = nodes.container(classes=["chapter-gallery"])
    for docname in _chapters(app):
        image = _landing_image(app.builder.env.get_doctree(docname))
        if image is None:
            logger.warning(f"chapter-gallery: {docname} has no figure to show", location=fromdocname)
            continue
        card = nodes.container(classes=["chapter-card"])
        title = nodes.paragraph(classes=["chapter-card-title"])
        title += _link(app, fromdocname, docname, _title(app, docname))
        figure = copy.deepcopy(image)
        figure["alt"] = f"A figure from {_title(app, docname)}"
        figure["classes"] = ["chapter-card-image"]
        link = _link(app, fromdocname, docname, "")
        link += figure
        card += [title, nodes.paragraph("", "", link)]
        grid += card
    return grid


def _read_results(path: str | None) -> list[dict]:
    from aelib.claims import read_results

    return read_results(path) if path and Path(path).is_file() else []


def _table(header: list[str], rows: list[list[nodes.Node | str]], widths: list[int],
           css_class: str) -> nodes.table:
    table = nodes.table(classes=[css_class])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=w) for w in widths]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    for target, cells in ((head, header), *((body, r) for r in rows)):
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph("", str(cell))
            row += entry
        target += row
    return table


def _rows(app, fromdocname: str, results: list[dict], columns) -> list[list]:
    """One table row per result, the chapter named (and linked) on its first row only."""
    documents = app.builder.env.all_docs
    rows, previous = [], object()
    for r in results:
        chapter = r.get("chapter")
        if chapter == previous:
            where = ""
        elif chapter in documents:
            where = nodes.paragraph("", "", _link(app, fromdocname, chapter, _title(app, chapter)))
        else:
            where = "(not from a page of the book)"
        previous = chapter
        rows.append([where, *columns(r)])
    return rows


def _verdict(r: dict) -> str:
    return "PASS" if r["passed"] else "FAIL"


def _ranges(app) -> dict:
    """Each check's recorded range over seeds and floating-point paths (records/*.jsonl)."""
    from aelib.claims import recorded_ranges

    return recorded_ranges(sorted((Path(app.srcdir) / "records").glob("*.jsonl")))


def _range_text(ranges: dict, r: dict) -> str:
    found = ranges.get((r.get("chapter"), r.get("id"), r["mode"], r["data"]))
    if not found:
        return "-"
    low, high, runs = found
    return f"{low:.4g} to {high:.4g} ({runs} runs)" if runs > 1 else f"{low:.4g} (1 run)"


def _results(app, fromdocname: str) -> list[nodes.Node]:
    """Three tables: the verified claims, the smoke checks (asserted, not counted as verified),
    and what was measured but not asserted (run time, memory and other timings)."""
    path = os.environ.get("AELIB_RESULTS")
    results = _read_results(path)
    if not results:
        return [nodes.paragraph("", "No claim checks were recorded in this build (build with `make book`, "
                                    "which sets AELIB_RESULTS).")]
    chapters = _chapters(app)
    position = {docname: i for i, docname in enumerate(chapters)}
    results.sort(key=lambda r: position.get(r.get("chapter"), len(chapters)))  # stable: run order kept
    claims, smoke, records = ([r for r in results if r.get("kind", "claim") == kind]
                              for kind in ("claim", "smoke", "record"))
    failed = sum(not r["passed"] for r in claims + smoke)
    modes = sorted({f"{r['mode']} mode on {r['data']}" for r in claims})
    checked = {r.get("chapter") for r in claims} & set(chapters)
    summary = (f"{len(claims)} claims verified in {len(checked)} of {len(chapters)} chapters"
               f" ({', '.join(modes)}), and {len(smoke)} smoke checks: {len(claims) + len(smoke) - failed}"
               f" passed, {failed} failed.")
    ranges = _ranges(app)
    out = [nodes.paragraph("", summary, classes=["check-summary"]),
           nodes.paragraph("", "The recorded range is the lowest and highest value this check took in"
                               " the runs recorded for its mode and data set (make margins, make"
                               " record), over seeds and floating-point paths; a dash where no run of"
                               " this mode and data set was recorded. In quick mode on the offline"
                               " subset a test keeps every threshold beyond the recorded range by at"
                               " least half its width."),
           _table(["chapter", "claim", "measured", "recorded range", "needs", "reference", "result"],
                  _rows(app, fromdocname, claims,
                        lambda r: [r["name"], f"{r['value']:.4g}", _range_text(ranges, r), r["threshold"],
                                   r.get("reference") or "", _verdict(r)]),
                  [14, 30, 8, 12, 8, 22, 6], "check-results")]
    if smoke:
        out += [nodes.rubric("", "Smoke checks"),
                nodes.paragraph("", "These run in quick mode, where the budget is too small for the claim"
                                    " itself to show; each says why. They catch a broken chapter, and are"
                                    " not counted above as verified claims."),
                _table(["chapter", "check", "measured", "needs", "why only a smoke check", "result"],
                       _rows(app, fromdocname, smoke, lambda r: [r["name"], f"{r['value']:.4g}",
                                                                 r["threshold"], r.get("smoke") or "",
                                                                 _verdict(r)]),
                       [14, 30, 8, 8, 34, 6], "smoke-checks")]
    if records:
        out += [nodes.rubric("", "Measured, not asserted"),
                nodes.paragraph("", "Run time, memory and other numbers that depend on the machine are"
                                    " recorded, never asserted: machines differ by a factor of two or more."),
                _table(["chapter", "measurement", "value", "note"],
                       _rows(app, fromdocname, records, lambda r: [r["name"], f"{r['value']:.4g}",
                                                                   r.get("reference") or ""]),
                       [14, 44, 10, 32], "check-records")]
    return out


def _run_label(runs: list[dict]) -> str:
    """``full, mnist, seeds 0 / 1``: the mode and data of a chapter's runs, and their seeds."""
    seeds = [str(r["seed"]) for r in runs if r["seed"] is not None]
    label = f"{runs[0]['mode']}, {runs[0]['data']}"
    return label + (f", seed{'s' if len(seeds) > 1 else ''} {' / '.join(seeds)}" if seeds else "")


def _resources(app, fromdocname: str, record: str | None = None) -> list[nodes.Node]:
    """Run time and peak memory of each chapter, from the records every chapter ends with: in
    this build, or in the recorded run ``record``."""
    from aelib.claims import chapter_statistics

    path = record or os.environ.get("AELIB_RESULTS")
    measured: dict[str, list[dict]] = {}
    for r in chapter_statistics(path) if path and Path(path).is_file() else []:
        measured.setdefault(r["chapter"], []).append(r)
    for runs in measured.values():  # seeds in order, whatever order a record's lines are in
        runs.sort(key=lambda r: -1 if r["seed"] is None else r["seed"])

    def each_run(runs: list[dict], key: str, form: str) -> str:  # "186 / 190" for two seeds
        return " / ".join(format(r.get(key, float("nan")), form) for r in runs)

    rows = [[nodes.paragraph("", "", _link(app, fromdocname, c, _title(app, c))),
             each_run(measured[c], "seconds", ".0f"), each_run(measured[c], "peak_memory_gib", ".2f"),
             _run_label(measured[c])] for c in _chapters(app) if c in measured]
    if not rows:
        return [nodes.paragraph("", "No chapter recorded its run time in this build.")]
    table = _table(["chapter", "run time (s)", "peak memory (GiB)", "mode, data"], rows, [40, 12, 14, 20],
                   "chapter-resources")
    if record is None:
        return [table]
    (about,) = [r["record"] for r in _read_results(record) if "record" in r] or [{}]
    text = ", ".join(f"{key} {value}" for key, value in about.items()) or "no description of the run"
    return [nodes.paragraph("", f"Recorded run ({Path(record).name}): {text}.", classes=["record-summary"]),
            table]


def fill_placeholders(app, doctree, fromdocname):
    for node in list(doctree.findall(gallery_placeholder)):
        node.replace_self(_gallery(app, fromdocname))
    for node in list(doctree.findall(results_placeholder)):
        node.replace_self(_results(app, fromdocname))
    for node in list(doctree.findall(resources_placeholder)):
        node.replace_self(_resources(app, fromdocname, node.get("record")))


def setup(app):
    app.add_node(gallery_placeholder)
    app.add_node(results_placeholder)
    app.add_node(resources_placeholder)
    app.add_directive("chapter-gallery", ChapterGallery)
    app.add_directive("check-results", CheckResults)
    app.add_directive("chapter-resources", ChapterResources)
    app.connect("source-read", mark_document)
    app.connect("doctree-resolved", fill_placeholders)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
