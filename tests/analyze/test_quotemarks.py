"""Quotation-mark spans: the conventions news pages use, straight and typographic."""

from __future__ import annotations

from dateline.analyze.quotemarks import quote_marks


def spans(text: str) -> list[tuple[str, bool]]:
    return [(text[q.start:q.end], q.closed) for q in quote_marks(text)]


def test_straight_and_typographic_marks_and_the_two_apostrophes() -> None:
    text = 'He said "we will stay" and “we will fight”; he added \'\'never\'\' twice.'
    assert spans(text) == [('"we will stay"', True), ("“we will fight”", True), ("''never''", True)]


def test_an_inch_mark_is_not_a_quotation_mark() -> None:
    text = 'The 6\'3" guard said "we won" after the game.'
    assert spans(text) == [('"we won"', True)]


def test_mixed_marks_close_each_other_and_a_closing_mark_at_a_word_start_opens() -> None:
    assert spans('“It was over" she said.') == [('“It was over"', True)]
    assert spans("Pages write ”wrong way” marks.") == [("”wrong way”", True)]


def test_a_stray_opening_mark_restarts_the_quotation() -> None:
    assert spans("“one “two three” end") == [("“two three”", True)]


def test_a_quotation_over_paragraphs_opens_each_and_closes_the_last() -> None:
    text = "He said: “The first part goes on.\n\n“And the second ends here.” Then he left."
    [(quoted, closed)] = spans(text)
    assert closed and quoted.startswith("“The first") and quoted.endswith("ends here.”")


def test_an_unclosed_mark_runs_to_its_paragraphs_end() -> None:
    text = "She wrote “nothing closes this\n\nA new paragraph without marks."
    assert spans(text) == [("“nothing closes this", False)]
