"""The UI's files: everything local, no inline script or style, data never parsed as HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from dateline.serve import serve
from dateline.serve.app import WEB


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


@pytest.mark.parametrize("page", ["index.html", "docs.html"])
def test_pages_load_only_local_files_and_have_no_inline_code(page: str) -> None:
    parser = Tags()
    parser.feed((WEB / page).read_text(encoding="utf-8"))
    assert not parser.inline_script
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs), (tag, attrs)
        assert tag != "style"
        for name in ("src", "href"):
            value = attrs.get(name)
            if value and tag in ("script", "link"):
                assert value.startswith("/static/"), value
                assert (WEB / value.removeprefix("/static/")).is_file(), value


def test_ui_code_never_parses_strings_as_html() -> None:
    for js in (WEB / "js").glob("*.js"):
        code = js.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in code, f"{js.name} uses {sink}"
        assert not re.search(r"https?://", code), f"{js.name} refers to a remote URL"
    css = (WEB / "css" / "app.css").read_text(encoding="utf-8")
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?https?:", css)


def test_vendored_files_and_their_licences_are_shipped() -> None:
    vendor = WEB / "vendor"
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/LICENSE", "countries.geojson", "README.md",
                 "swagger/swagger-ui-bundle.js", "swagger/swagger-ui.css", "swagger/LICENSE"):
        assert (vendor / name).is_file(), name
    notes = (vendor / "README.md").read_text(encoding="utf-8")
    for words in ("BSD 2-Clause", "Natural Earth", "public domain", "ISC", "Apache-2.0"):
        assert words in notes


def test_serve_refuses_a_bad_database_url(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve, ["--db", "mysql://nowhere/x"])
    assert result.exit_code == 1
    assert "postgresql://" in result.output
