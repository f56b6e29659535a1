"""Spans between quotation marks, straight or typographic, over one or more paragraphs.

News style opens every paragraph of a long quotation again and closes only the
last one, so an opening mark left unclosed at a paragraph's end continues when
the next paragraph starts with an opening mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = "“„«"
_CLOSE = "”»"
_PARA = re.compile(r"\s*\n\s*")


@dataclass(slots=True)
class QuoteMark:
    start: int  # the opening mark
    end: int  # just after the closing mark (or the paragraph's end when unclosed)
    closed: bool



def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _PARA.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


# The characters the scan below acts on; everything between them is skipped in C.
_MARKS = re.compile("''|[\"" + _OPEN + _CLOSE + "]")


def _in_paragraph(text: str, s: int, e: int) -> list[QuoteMark]:
    """Quote spans of one paragraph; the last may be unclosed."""
    out: list[QuoteMark] = []
    open_at: int | None = None
    for m in _MARKS.finditer(text, s, e):
        i, ch = m.start(), m.group()
        if ch == "''":
            ch = '"'  # the New York Times' two apostrophes
        elif ch == '"' and i > s and text[i - 1].isdigit():
            continue  # an inch mark: 6'3"
        if open_at is None:
            # A closing mark at a word's start opens too (pages that get the direction wrong).
            wrong_way = ch in _CLOSE and (i == s or text[i - 1].isspace()) and text[i + 1:i + 2].isalnum()
            if ch in _OPEN or ch == '"' or wrong_way:
                open_at = i
        elif ch in _CLOSE or ch == '"':
            # Pages mix straight and typographic marks ("... ”): either closes.
            out.append(QuoteMark(open_at, m.end(), True))
            open_at = None
        elif ch in _OPEN:
            # A stray opening mark: the earlier one was never closed.
            open_at = i
    if open_at is not None:
        end = e
        while end > open_at and text[end - 1].isspace():
            end -= 1
        out.append(QuoteMark(open_at, end, False))
    return out


def quote_marks(text: str) -> list[QuoteMark]:
    """Every quoted stretch of ``text``, multi-paragraph quotations joined into one."""
    spans: list[QuoteMark] = []
    for ps, pe in _paragraphs(text):
        spans.extend(_in_paragraph(text, ps, pe))
    joined: list[QuoteMark] = []
    for q in spans:
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and not prev.closed
            and not text[prev.end:q.start].strip()
        ):
            prev.end, prev.closed = q.end, q.closed
            continue
        joined.append(q)
    return [q for q in joined if q.end - q.start > 2]
