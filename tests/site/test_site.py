"""Every page of the built book renders in a real browser, offline: figures load, math is
typeset, the console stays clean and no request leaves the local server."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return [f + ".html" for f in files]


PAGES = _pages()


@pytest.fixture
def page(browser, site_url):
    page = browser.new_page()
    page.errors, page.foreign = [], []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((site_url, "data:", "blob:", "about:"))
            else page.foreign.append(r.url))
    yield page
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_without_errors(page, site_url, path):
    response = page.goto(f"{site_url}/{path}", wait_until="networkidle")
    assert response.status == 200
    assert page.locator("article h1").first.is_visible()
    assert not page.errors, f"console errors on {path}: {page.errors}"
    assert not page.foreign, f"{path} requests outside the local server: {page.foreign}"


@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("chapters/")])
def test_chapter_figures_and_math(page, site_url, path):
    page.goto(f"{site_url}/{path}", wait_until="networkidle")
    images = page.locator("main img")
    assert images.count() >= 3, f"{path} shows only {images.count()} figures"
    broken = page.evaluate("[...document.querySelectorAll('main img')]"
                           ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"images that did not load on {path}: {broken}"
    page.wait_for_selector("mjx-container", timeout=15000)
    raw_tex = page.locator("main").inner_text()
    assert not re.search(r"\$\$|\\begin\{", raw_tex), f"untypeset math left on {path}"
    assert "Check the claims" in raw_tex and "[PASS]" in raw_tex


ANIMATED = ["chapters/01_tsne.html", "chapters/04_pixelrnn.html", "chapters/05_vae.html"]


@pytest.mark.parametrize("path", ANIMATED)
def test_animations_play_on_the_static_page(page, site_url, path):
    page.goto(f"{site_url}/{path}", wait_until="networkidle")
    animations = page.locator("main div.animation")
    assert animations.count() >= 1, f"no animation on {path}"
    frame = animations.first.locator("img").first
    first_src = frame.get_attribute("src")
    animations.first.locator("button[title='Play']").first.click()
    page.wait_for_function("([el, src]) => el.src !== src", arg=[frame.element_handle(), first_src],
                           timeout=5000)


def test_latent_explorer_falls_back_to_its_static_twin(page, site_url):
    page.goto(f"{site_url}/chapters/05_vae.html", wait_until="networkidle")
    # No empty widget boxes: the widget view is not rendered, the explorer's animation is.
    assert page.locator("main .jupyter-widgets, main script[type*='widget-view']").count() == 0
    assert "HBox(children" not in page.locator("main").inner_text()
    explorer = page.locator("main div.animation", has=page.locator("img"))
    assert explorer.count() >= 1
