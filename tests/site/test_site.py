"""Every page of the built book renders in a real browser, offline: figures load, math is
typeset, the console stays clean and no request leaves the local server."""

import json
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


SCREENSHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_without_errors(page, site_url, path):
    response = page.goto(f"{site_url}/{path}", wait_until="networkidle")
    assert response.status == 200
    assert page.locator("article h1").first.is_visible()
    assert not page.errors, f"console errors on {path}: {page.errors}"
    assert not page.foreign, f"{path} requests outside the local server: {page.foreign}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / path.replace("/", "__").replace(".html", ".png"))


def test_internal_links_resolve(page, site_url):
    targets = set()
    for path in PAGES:
        page.goto(f"{site_url}/{path}", wait_until="domcontentloaded")
        targets |= set(page.evaluate(
            "o => [...document.querySelectorAll('a[href]')].map(a => a.href.split('#')[0])"
            ".filter(h => h.startsWith(o))", site_url))
    broken = [url for url in sorted(targets) if page.request.get(url).status != 200]
    assert len(targets) > len(PAGES)
    assert not broken, f"internal links that do not resolve: {broken}"


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_figures_and_math(page, site_url, path):
    page.goto(f"{site_url}/{path}", wait_until="networkidle")
    images = page.locator("main img")
    assert images.count() >= 3, f"{path} shows only {images.count()} figures"
    broken = page.evaluate("[...document.querySelectorAll('main img')]"
                           ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"images that did not load on {path}: {broken}"
    # attached, not visible: the first formula may sit in a folded solution or the page's
    # table of contents, which the browser window hides
    page.wait_for_selector("main mjx-container", state="attached", timeout=15000)
    raw_tex = page.locator("main").inner_text()
    assert not re.search(r"\$\$|\\begin\{", raw_tex), f"untypeset math left on {path}"
    assert "Check the claims" in raw_tex and "[PASS]" in raw_tex
    citations = page.locator("main a[href*='bibliography.html#']")
    assert citations.count() >= 1, f"{path} cites no reference"


ANIMATED = ["chapters/01_tsne.html", "chapters/04_pixelrnn.html", "chapters/05_vae.html",
            "chapters/07b_dae_generative.html"]


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


def test_landing_page_shows_a_figure_from_every_chapter(page, site_url):
    page.goto(f"{site_url}/intro.html", wait_until="networkidle")
    cards = page.locator("main .chapter-gallery .chapter-card")
    assert cards.count() == len(CHAPTERS)
    linked = {href.split("#")[0] for href in page.locator("main .chapter-card-title a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")}
    assert linked == set(CHAPTERS)
    assert page.evaluate("[...document.querySelectorAll('.chapter-card img')]"
                         ".every(i => i.complete && i.naturalWidth > 0)")


def test_results_page_gathers_every_chapters_checks(page, site_url):
    page.goto(f"{site_url}/results.html", wait_until="networkidle")
    rows = page.locator("main table.check-results tbody tr")
    assert rows.count() >= 3 * len(CHAPTERS)
    results = rows.evaluate_all("rows => rows.map(r => r.lastElementChild.innerText.trim())")
    assert set(results) == {"PASS"}, "the build recorded failed checks"
    linked = set(page.locator("main table.check-results tbody a").evaluate_all(
        "links => links.map(a => a.getAttribute('href').replace(/^[.][/]/, ''))"))
    assert set(CHAPTERS) <= linked, f"chapters without recorded checks: {set(CHAPTERS) - linked}"
    smoke = page.locator("main table.smoke-checks tbody tr")
    assert smoke.count() <= 8
    if smoke.count():  # each with its reason, and passed
        cells = smoke.evaluate_all("rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))")
        assert all(len(row[4].split()) >= 4 and row[5] == "PASS" for row in cells), cells


def test_dark_mode_toggles(page, site_url):
    page.goto(f"{site_url}/chapters/02_autoencoders.html", wait_until="networkidle")
    background = "getComputedStyle(document.body).backgroundColor"
    themes, colours = [], []
    for _ in range(3):  # the switch cycles light -> dark -> auto (or starts elsewhere)
        page.locator(".theme-switch-button").first.click()
        themes.append(page.evaluate("document.documentElement.dataset.theme"))
        colours.append(page.evaluate(background))
    assert {"light", "dark"} <= set(themes)
    assert colours[themes.index("dark")] != colours[themes.index("light")]


def test_launch_buttons_only_with_a_repository(page, site_url):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    launch = config.get("launch_buttons", {})
    configured = bool(config.get("repository", {}).get("url")) and bool(
        launch.get("binderhub_url") or launch.get("colab_url"))
    page.goto(f"{site_url}/chapters/02_autoencoders.html", wait_until="networkidle")
    buttons = page.locator(".dropdown-launch-buttons, a[href*='colab.research'], a[href*='mybinder']")
    assert (buttons.count() > 0) == configured


def test_execution_page_gives_each_chapters_time_and_memory(page, site_url):
    page.goto(f"{site_url}/execution.html", wait_until="networkidle")
    table = page.locator("main table").first
    chapters = table.locator("tbody a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert sorted(chapters) == sorted(CHAPTERS)
    cells = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.children].slice(1, 3).map(c => parseFloat(c.innerText)))")
    # recorded, not asserted against a budget: machines differ (the page states the budgets)
    assert all(seconds > 0 and 0 < memory <= 4 for seconds, memory in cells), cells


def test_execution_page_shows_the_recorded_full_mode_runs(page, site_url):
    # After this build's table, the runs recorded by `make record` on full MNIST and the offline
    # subset (both seeds) and Fashion-MNIST (an older run; tests/test_bench.py checks them):
    # each a line about the run and one full-mode row per chapter.
    page.goto(f"{site_url}/execution.html", wait_until="networkidle")
    summaries = page.locator(".record-summary").all_inner_texts()
    assert [s.split(")")[0] for s in summaries] == [
        f"Recorded run (full-mode-{name}.jsonl" for name in ("mnist", "mnist-10k", "fashion-mnist")]
    # Fashion-MNIST's record is one older run, made before chapter 5b was written
    for n, seeds, newer in ((1, "seeds 0 / 1", []), (2, "seeds 0 / 1", []),
                            (3, "", ["chapters/05b_posterior_collapse.html"])):
        table = page.locator("main table.chapter-resources").nth(n)
        rows = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [r.querySelector('a').getAttribute('href'),"
            " r.lastElementChild.innerText])")
        assert sorted(href for href, _ in rows) == sorted(c for c in CHAPTERS if c not in newer)
        assert all(mode.startswith("full") and mode.endswith(seeds) for _, mode in rows), rows


def test_benchmarks_page_shows_the_recorded_full_suite(page, site_url):
    # records/benchmarks-full.json (`make bench-record`): its line about the run, its t-SNE rows
    # at N = 5,000, and its scaling curve beside the quick suite's figures.
    page.goto(f"{site_url}/benchmarks.html", wait_until="networkidle")
    text = page.locator("main").inner_text()
    assert re.search(r"recorded \d{4}-\d\d-\d\d, commit \w+", text)
    assert "t-SNE fast N=5000: exact KL" in text
    assert page.locator("main img").count() >= 3


def test_index_page_links_to_the_introduction():
    index = (ROOT / "_build" / "html" / "index.html").read_text()
    assert 'url=intro.html' in index and '<a href="intro.html">' in index and "<title>" in index


@pytest.mark.parametrize("path", CHAPTERS)
def test_code_fits_and_glued_text_rendered(page, site_url, path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site_url}/{path}", wait_until="networkidle")
    cut = page.evaluate(
        "[...document.querySelectorAll('main div.cell_input pre')]"
        ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.slice(0, 60))")
    assert not cut, f"code lines cut at the right edge on {path}: {cut}"
    hidden = page.evaluate(
        "[...document.querySelectorAll('main div.cell_output pre')]"
        ".filter(p => p.scrollWidth > p.clientWidth + 1 && getComputedStyle(p).overflowX === 'hidden')"
        ".map(p => p.innerText.slice(0, 60))")
    assert not hidden, f"printed output cut off on {path}: {hidden}"
    text = page.locator("main").inner_text()
    assert "{glue" not in text, f"a glue role left unrendered on {path}"


@pytest.mark.parametrize("path", CHAPTERS)
def test_every_listing_a_chapter_shows_is_on_its_page(page, site_url, path):
    # aelib.show displays each listing as it is called, so a cell of several show calls shows
    # them all (a cell's value would show only its last); one listing per show call.
    notebook = json.loads((ROOT / path.replace(".html", ".ipynb")).read_text(encoding="utf-8"))
    calls = sum(len(re.findall(r"^\s*aelib\.show\(", "".join(c["source"]), re.MULTILINE))
                for c in notebook["cells"] if c["cell_type"] == "code")
    page.goto(f"{site_url}/{path}", wait_until="domcontentloaded")
    assert page.locator(".aelib-show").count() == calls
