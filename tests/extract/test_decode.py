"""Charset: HTTP header, then meta tag, then detection; wrong declarations do not garble text."""

from __future__ import annotations

from dateline.extract.decode import decode
from dateline.records import RawDoc

RUSSIAN = "Украинские войска подняли флаг над железнодорожным узлом в Купянске, сообщили официальные лица."


def page(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


def test_http_header_charset_wins() -> None:
    raw = RawDoc("x", page(RUSSIAN).encode("cp1251"), "html", headers={"content-type": "text/html; charset=windows-1251"})
    assert RUSSIAN in decode(raw)


def test_meta_charset_used_without_header() -> None:
    raw = RawDoc("x", page(RUSSIAN, '<meta charset="koi8-r">').encode("koi8-r"), "html")
    assert RUSSIAN in decode(raw)


def test_declared_latin1_that_is_really_utf8() -> None:
    text = "Café owners in Zürich said prices rose — again."
    raw = RawDoc("x", page(text, '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">').encode(), "html")
    assert text in decode(raw)


def test_undeclared_legacy_encoding_is_detected() -> None:
    raw = RawDoc("x", (RUSSIAN * 5).encode("cp1251"), "text")
    assert RUSSIAN in decode(raw)


def test_invalid_utf8_does_not_fail() -> None:
    raw = RawDoc("x", b"Valid start \xff\xfe\xfa broken bytes and more text after them.", "text")
    out = decode(raw)
    assert out.startswith("Valid start") and "more text after them." in out
