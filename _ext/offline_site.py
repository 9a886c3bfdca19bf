"""Keep every page self-contained: strip sphinx-thebe's scripts (Jupyter Book 1 always loads
it; it would fetch thebe from unpkg.com and declares THEBE_JS_URL twice). And give the site's
index.html, which sphinx-external-toc writes as a bare redirect, a title and a link to follow
where redirects are blocked (or the reader's browser does not follow them)."""

import html
import re
from pathlib import Path


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def strip_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def readable_index(app, exception):
    index = Path(app.outdir) / "index.html"
    if exception is not None or not index.is_file():
        return
    found = re.fullmatch(r'\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*', index.read_text())
    if not found:
        return  # a real index page
    target, title = html.escape(found.group(1)), html.escape(app.config.project or "The book")
    index.write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Refresh" content="0; url={target}" />\n<title>{title}</title></head>\n'
        f'<body><p><a href="{target}">{title}: start with the introduction</a></p></body></html>\n')


def setup(app):
    app.connect("html-page-context", strip_thebe, priority=900)
    app.connect("build-finished", readable_index, priority=900)  # after sphinx-external-toc's redirect
    return {"parallel_read_safe": True, "parallel_write_safe": True}
