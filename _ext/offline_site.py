"""Keep every page self-contained: strip sphinx-thebe's scripts (Jupyter Book 1 always loads
it; it would fetch thebe from unpkg.com and declares THEBE_JS_URL twice)."""


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in filename or "THEBE_JS_URL" in body


def strip_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app):
    app.connect("html-page-context", strip_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
