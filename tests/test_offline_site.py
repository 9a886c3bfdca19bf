"""The site extension's index page: a redirect that also reads as a page with a link."""

import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import offline_site  # noqa: E402


def test_bare_redirect_gets_a_title_and_a_link(tmp_path):
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=intro.html" />\n')
    app = SimpleNamespace(outdir=str(tmp_path), config=SimpleNamespace(project="A <book>"))
    offline_site.readable_index(app, None)
    page = (tmp_path / "index.html").read_text()
    assert '<a href="intro.html">' in page and 'url=intro.html' in page
    assert "<title>A &lt;book&gt;</title>" in page


def test_a_real_index_page_is_left_alone(tmp_path):
    (tmp_path / "index.html").write_text("<html><body>the book's own index</body></html>")
    app = SimpleNamespace(outdir=str(tmp_path), config=SimpleNamespace(project="book"))
    offline_site.readable_index(app, None)
    assert "own index" in (tmp_path / "index.html").read_text()
