"""Plain-text extraction: the seed's scraped repost, hand-written scraped pages, odd input."""

from __future__ import annotations

import pytest

from dateline.errors import ExtractError
from dateline.extract.text import TextExtraction, extract_plain


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


@pytest.fixture(scope="module")
def seed_extraction(seed_path) -> TextExtraction:
    return extract_plain(seed_path.read_text(encoding="utf-8"))


def test_seed_title_once_not_in_body(seed_extraction, seed_expected):
    assert _norm(seed_extraction.title) == _norm(seed_expected["title"])
    assert _norm(seed_expected["title"]) not in _norm(seed_extraction.text)


def test_seed_highlights_are_the_bullets(seed_extraction, seed_expected):
    assert [_norm(h) for h in seed_extraction.highlights] == [_norm(h) for h in seed_expected["highlights"]]
    for h in seed_expected["highlights"]:
        assert _norm(h) not in _norm(seed_extraction.text)


def test_seed_body_starts_at_dateline(seed_extraction, seed_expected):
    assert _norm(seed_extraction.text).startswith(_norm(seed_expected["body_starts"]))


@pytest.mark.parametrize("junk", [
    "Register now and get FREE unlimited access to",
    "Our standards: Thomson Reuters Trust Principles.",
    "Tags: , , ,",
    "Previous Post",
    "Why Bank of America",
    "Gazprom's Planned Gas Supplies",
    "Leave a Reply",
    "Your email address will not be published",
])
def test_seed_boilerplate_removed(seed_extraction, seed_expected, junk):
    assert junk in seed_expected["boilerplate"] or junk.startswith("Tags")
    assert _norm(junk) not in _norm(seed_extraction.text)


def test_seed_body_keeps_every_paragraph_in_order_and_ends_with_credits(seed_path, seed_extraction, seed_expected):
    text = _norm(seed_extraction.text)
    assert _norm(seed_expected["body_contains"]) in text
    # Every article paragraph of the source, in source order.
    source = seed_path.read_text(encoding="utf-8")
    start = source.index("KYIV, Sept. 10")
    end = source.index(seed_expected["body_ends"]) + len(seed_expected["body_ends"])
    paragraphs = [p.strip() for p in source[start:end].split("\n") if p.strip() and "Register now" not in p]
    positions = [seed_extraction.text.find(p) for p in paragraphs]
    assert -1 not in positions
    assert positions == sorted(positions)
    # The credits line stays (the dateline/credits step takes it out); nothing after it.
    assert seed_extraction.text.rstrip().endswith("editing by Jason Neely")


def test_seed_signals_name_what_was_removed(seed_extraction):
    sig = " | ".join(seed_extraction.signals)
    assert "promo-line: Register now and get FREE unlimited access to (x3)" in sig
    assert "related-posts" in sig and "Previous Post" in sig
    assert "comment-form" in sig
    assert "tag-list" in sig
    assert "footer: Our standards" in sig


SCRAPED_BLOG = """City council approves new bike lanes on Main Street

Home
News
Sports
Contact

City council approves new bike lanes on Main Street

The city council voted 7-2 on Tuesday evening to approve a plan that adds protected bike lanes along Main Street, a project that supporters say will make the downtown corridor safer for cyclists and pedestrians alike.

Subscribe to our newsletter for daily updates

Construction is expected to begin next spring and will take about four months, according to the city's transportation department, which estimates the total cost at 2.3 million dollars.

Several business owners spoke against the plan during the public comment period, arguing that the loss of parking spaces would hurt their sales during the construction period and afterwards.

Subscribe to our newsletter for daily updates

The mayor said she would meet with the business association next week to discuss ways to reduce the impact, including temporary loading zones and signs that point drivers to nearby garages.

Tags: city council, bikes, Main Street, transport, downtown, parking
Related Posts
Library extends weekend hours
Farmers market returns to the square
Leave a Comment
Your email address will not be published. Required fields are marked *
"""


def test_hand_written_scraped_page_general_rules():
    ex = extract_plain(SCRAPED_BLOG)
    assert ex.title == "City council approves new bike lanes on Main Street"
    assert ex.text.startswith("The city council voted 7-2")
    assert ex.text.endswith("point drivers to nearby garages.")
    for junk in ("Subscribe to our newsletter", "Contact", "Tags:", "Library extends", "Leave a Comment"):
        assert junk not in ex.text
    assert any(s.startswith("promo-line: Subscribe to our newsletter") for s in ex.signals)
    assert ex.highlights == []


def test_wrapped_plain_text_is_unwrapped_into_paragraphs():
    para = ("The regional government said on Monday that the new railway line would open in "
            "the autumn, two years later than planned, after delays caused by a shortage of "
            "materials and a dispute with the main contractor over the cost of the tunnels.")
    import textwrap

    wrapped = "\n\n".join(textwrap.fill(para.replace("Monday", day), 72)
                          for day in ("Monday", "Tuesday", "Wednesday", "Thursday"))
    ex = extract_plain("Railway opening delayed\n\n" + wrapped)
    assert ex.title == "Railway opening delayed"
    assert ex.text.count("\n\n") == 3
    assert "the tunnels." in ex.text and "\n" not in ex.text.split("\n\n")[0]


@pytest.mark.parametrize("junk", ["", "   \n\n\t\n", "\x00\x01\x02\x03"])
def test_empty_or_blank_input_is_no_text(junk):
    with pytest.raises(ExtractError) as info:
        extract_plain(junk)
    assert info.value.code == "no-text"


def test_binary_junk_decoded_as_text_never_crashes():
    junk = bytes(range(256)).decode("latin-1") * 40 + "\n" + bytes(range(200, 256)).decode("cp1252", "replace")
    try:
        ex = extract_plain(junk)
    except ExtractError as exc:
        assert exc.code == "no-text"
    else:
        assert isinstance(ex.text, str)


def test_a_cookie_notice_on_top_is_not_the_title() -> None:
    notice = "We use cookies to improve your experience. By continuing to browse this site you agree. Accept"
    body = "\n\n".join(
        f"Paragraph {i} of a report on the flooding reads like prose, with enough words in it to be an article line."
        for i in range(8))
    ex = extract_plain(f"{notice}\n\n{body}\n")
    assert ex.title != notice
    assert "Gov. Smith signs the budget" == extract_plain(f"Gov. Smith signs the budget\n\n{body}\n").title
