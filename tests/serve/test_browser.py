"""Acceptance in a real browser (Debian's Chromium through Playwright): the seed's way through the UI,
and hostile text that must stay text. Screenshots go to screenshots/ (gitignored)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servekit import LiveServer, make_article, with_facts

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/services.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page that records console errors, page errors and dialogs (a dialog means a script ran)."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory, seed_article: Any) -> str:
    """The seed through the real pipeline (the session's ``seed_article``: ingest, extract, analyze),
    stored and linked as the runner does it."""
    from dateline.link import Linker
    from dateline.store import open_store

    article = copy.deepcopy(seed_article)  # linking sets its story; the session's copy stays as it was
    assert article.text.startswith("KYIV, Sept. 10 (Reuters)")
    path = str(tmp_path_factory.mktemp("seed") / "seed.db")
    with open_store(path) as store:
        linker = Linker(store)
        with store.transaction():
            store._save(article)
            linker.add(article)
        linker.finish()
    return path


def check_seed_flow(w: Watched, base: str, prefix: str = "seed") -> None:
    """Search → the seed article → quotes with speakers, Arestovich unverified → map → timeline."""
    page = w.page
    page.goto(f"{base}/#/search")
    page.fill("input[name=q]", "Kupyansk")
    page.click("form.search-form button[type=submit]")
    result = page.locator(".result-title").first
    result.wait_for()
    assert "railway junction" in result.inner_text()
    page.wait_for_selector(".facet")
    w.shot(f"{prefix}-1-search")

    result.click()
    page.wait_for_selector("#article-text")
    text = page.locator("#article-text")
    assert text.inner_text().startswith("KYIV, Sept. 10 (Reuters)")
    speakers = page.eval_on_selector_all(".quote-open", "els => els.map(e => [e.dataset.speaker, e.dataset.status])")
    names = {s for s, _ in speakers}
    assert len(speakers) >= 5, speakers
    assert any("Zelensky" in n for n in names) and any("Popova" in n for n in names), names
    arestovich = [status for s, status in speakers if "Arestovich" in s]
    assert arestovich and "unverified" in arestovich, speakers
    # ... coloured as unverified in the text, and said so in the side panel.
    assert page.locator(".quote-open.q-unverified").count() >= 1
    colour = page.eval_on_selector(".hl-quotes.q-unverified", "e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    panel = page.locator(".fact-quotes", has_text="Arestovich").first
    assert "unverified" in panel.inner_text()
    panel.click()
    assert page.locator("#article-text .flash").count() >= 1
    for kind in ("entities", "places", "quotes", "counts", "events"):
        assert page.locator(f"#article-text .hl-{kind}").count() >= 1, kind
    w.shot(f"{prefix}-2-article")
    panel.scroll_into_view_if_needed()
    page.locator(".facts-events").scroll_into_view_if_needed()
    w.shot(f"{prefix}-3-article-panel")

    page.click(".article-head .links >> text=map")
    page.wait_for_selector("#map[data-ready=true]")
    listed = page.locator("#map-list").inner_text()
    assert re.search(r"Kup[yi]ansk", listed) and re.search(r"Iz[yi]um", listed), listed
    labels = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
    assert re.search(r"Kup[yi]ansk", labels) and re.search(r"Iz[yi]um", labels), labels
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() >= 2
    w.shot(f"{prefix}-4-map")

    page.go_back()
    page.wait_for_selector("#article-text")
    page.click(".article-head .links >> text=timeline")
    day = page.locator('.day[data-date="2022-09-10"]')
    day.wait_for()
    assert day.is_enabled()
    day.click()
    page.wait_for_selector("#day-detail .event")
    assert "Events on 2022-09-10" in page.locator("#day-detail h2").inner_text()
    w.shot(f"{prefix}-5-timeline")
    assert not w.errors, w.errors
    assert not w.dialogs


def test_seed_search_article_map_timeline(browser: Any, seed_db: str) -> None:
    with LiveServer(seed_db) as server:
        check_seed_flow(Watched(browser), server.url)


HOSTILE_TEXT = (
    "MARIUPOL, May 3 - <script>window.__pwned = 1; alert('script')</script> Officials said the shelling went on. "
    'A photo <img src=x onerror="window.__pwned = 2; alert(\'img\')"> showed the steel works. '
    "Details: <a href=\"javascript:window.__pwned = 3\">click here</a> &amp; &lt;b&gt;bold&lt;/b&gt; &#x27;quoted&#x27;. "
    "Ivan Petrov said the <b onmouseover=alert(1)>plant</b> was hit near Mariupol on Tuesday."
)
HOSTILE_TITLE = "<img src=x onerror=alert('title')> Shelling & \"smoke\" <script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Articles whose text, title, URL, site, facts and notes hold markup and script."""
    from dateline.records import ErrorRecord
    from dateline.store import open_store

    article = with_facts(
        make_article("hostile", HOSTILE_TEXT, title=HOSTILE_TITLE, url="javascript:alert('url')",
                     site="<b>site</b>", language="en", published="2022-05-03"),
        places=[("Mariupol", "Mariupol <img src=x onerror=alert('place')>", 47.09514, 37.54131, 701822)],
        entities=[("<script>window.__pwned = 1; alert('script')</script>", "ORG", "<script>alert('entity')</script>")],
        quotes=[("the <b onmouseover=alert(1)>plant</b> was hit near Mariupol", "Ivan Petrov", "unverified", "indirect")],
        events=[("<b onmouseover=alert(1)>plant</b>", "Explosions/Remote violence", "Shelling/artillery/missile attack",
                 "Mariupol", "2022-05-03", "asserted")],
        dates=[("on Tuesday", "2022-05-03")],
    )
    article.errors.append(ErrorRecord("analyze", "unsupported-language", HOSTILE_NOTE))
    path = str(tmp_path_factory.mktemp("hostile") / "hostile.db")
    with open_store(path) as store:
        store.save(article)
    return path


HOSTILE_NOTE = "facts are found in English text only; this article is in '<img src=x onerror=alert(9)>'"


def test_hostile_text_is_shown_as_written_and_never_runs(browser: Any, hostile_db: str) -> None:
    from dateline.store import open_store

    with open_store(hostile_db) as store:
        stored = store.article("hostile")
    assert stored is not None and stored.text == HOSTILE_TEXT and stored.title == HOSTILE_TITLE

    with LiveServer(hostile_db) as server:
        w = Watched(browser)
        page = w.page
        page.goto(f"{server.url}/#/search?q=shelling")
        page.locator(".result-title").first.wait_for()
        assert page.locator(".result-title").first.inner_text() == HOSTILE_TITLE
        assert "<script>" in page.locator(".snippet").first.inner_text()
        page.goto(f"{server.url}/#/article/hostile")
        page.wait_for_selector("#article-text")
        # The text reads exactly as stored: entities stay entities, tags stay visible characters.
        assert page.eval_on_selector("#article-text", "e => e.textContent") == HOSTILE_TEXT
        assert page.locator("#article-title").inner_text() == HOSTILE_TITLE
        # Stored notes say why facts may be missing, as text.
        assert page.locator(".article-head .notes").inner_text() == f"analyze: {HOSTILE_NOTE}"
        assert page.eval_on_selector_all("#view script, #view img, #view b, #view [onerror], #view [onmouseover]",
                                         "els => els.length") == 0
        assert page.get_attribute(".article-head .links a >> text=original page", "href") == "#"
        page.hover("#article-text .hl-quotes")
        page.locator(".fact-quotes").first.click()
        page.goto(f"{server.url}/#/map")
        page.wait_for_selector("#map[data-ready=true]")
        assert "Mariupol <img src=x onerror=alert('place')>" in page.locator("#map-list").inner_text()
        page.locator(".leaflet-overlay-pane path.leaflet-interactive").first.click(force=True)
        page.wait_for_selector(".leaflet-popup-content")
        w.shot("hostile-map")
        page.goto(f"{server.url}/#/timeline")
        page.locator('.day[data-date="2022-05-03"]').click()
        page.wait_for_selector("#day-detail .event")
        assert "<b onmouseover=alert(1)>plant</b>" in page.locator("#day-detail").inner_text()
        page.goto(f"{server.url}/#/article/hostile")
        page.wait_for_selector("#article-text")
        w.shot("hostile-article")
        assert page.evaluate("() => window.__pwned") is None
        assert not w.dialogs, w.dialogs
        assert not w.errors, w.errors
