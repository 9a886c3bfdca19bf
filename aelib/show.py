"""``show(obj)``: the source code of a function or class, highlighted, in Jupyter and on the site."""

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


def show(obj) -> _Source:
    """Render ``obj``'s source, highlighted (Jupyter and the website) or as plain text."""
    module = getattr(obj, "__module__", "")
    name = f"{module}.{getattr(obj, '__qualname__', repr(obj))}"
    return _Source(source(obj), name)
