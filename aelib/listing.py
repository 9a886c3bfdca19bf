"""``aelib.show(obj)``: the source of a function or class, highlighted, in Jupyter and on the site.

In a notebook each ``show`` displays its listing as it is called, so a cell of several ``show``
calls shows every listing (a returned object would show only the cell's last one).
"""

from __future__ import annotations

import inspect
import textwrap


def source(obj) -> str:
    """The source of ``obj`` (function, class or method), dedented."""
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as err:
        raise TypeError(f"cannot show the source of {obj!r}: {err}") from None


class _Source:
    def __init__(self, code: str, name: str):
        self.code, self.name = code, name

    def __repr__(self) -> str:
        return self.code

    def _repr_html_(self) -> str:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer

        formatter = HtmlFormatter(cssclass="aelib-source highlight", nowrap=False)
        return (f'<div class="aelib-show"><div class="aelib-show-name">{self.name}</div>'
                + highlight(self.code, PythonLexer(), formatter) + "</div>")


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ != "TerminalInteractiveShell"


def show(obj) -> _Source | None:
    """Render ``obj``'s source, highlighted (Jupyter and the website) or as plain text.

    In a notebook (a Jupyter kernel) the listing is displayed at once and None is returned;
    elsewhere the listing is returned, to print or to display."""
    module = getattr(obj, "__module__", "")
    name = f"{module}.{getattr(obj, '__qualname__', repr(obj))}"
    listing = _Source(source(obj), name)
    if not _in_notebook():
        return listing
    from IPython.display import display

    display(listing)
    return None
