"""Main text and page metadata out of an HTML page.

trafilatura does the extraction and the metadata (title, date via htmldate, site,
authors), with comment sections left out: readers' comments are not the article, and
on the extraction bench they are the largest share of trafilatura's default false
positives. When trafilatura finds no main text at all (odd layouts, pages it rejects),
the page is rendered to text lines with html-text and the plain-text line model
(:mod:`dateline.extract.textlines`) picks the article lines, so a page is not lost.

Three changes make trafilatura and htmldate faster without changing what they find:
trafilatura's parser gets lxml's C-level element classes (``_quick_element_classes``),
its XPath expressions run as compiled Python walks (:mod:`dateline.extract.fastxpath`),
and dateparser's word regexes are compiled once per machine, not once per process
(``_dateparser_regexes``).

Measured and rejected (bench/extraction.py, held-out pages): dropping trafilatura
paragraphs that the line model calls boilerplate, and preferring the line model when
trafilatura returns much less text, both lowered F1 there, so neither is done.
"""

from __future__ import annotations

import functools
import pickle
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import ExtractError
from . import fastxpath, textlines
from .dateline import find_credits

_WS = re.compile(r"\s+")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
MAX_HTML_CHARS = 20_000_000
_MIN_FALLBACK_WORDS = 20

# Page furniture trafilatura keeps around the article body: copyright lines, photo credits,
# "read more" / "related" teasers, follow-us and newsletter pitches (English, German, Spanish,
# French, Polish: the languages of the extraction bench's pages). Only short paragraphs before
# the first or after the last paragraph of at least ``_BODY_WORDS`` words are tested, so an
# article sentence that mentions a newsletter stays. Measured on bench/extraction.py: training
# pages F1 0.9252 -> 0.9282, held-out 0.9264 -> 0.9272, recall unchanged on both.
# (The line model, tried in the same place, gained on its training pages and lost recall on
# held-out ones: it is not used here.)
_EDGE_BOILERPLATE = re.compile(
    r"""(?ix)
    ©|\(c\)\s*\d{4}|\ball\s+rights\s+reserved|alle\s+rechte\s+vorbehalten|todos\s+los\s+derechos|tous\s+droits|
    ^\s*(?:foto|fotos|photo|photos|bild|bilder|image|picture|credit|crédits?\s+photos?|quelle|source
          |titelbild|beitragsbild)s?\s*[:/©]|
    \bgetty\s+images\b|\bshutterstock\b|\bistock\b|
    ^\s*(?:read\s+more|lesen\s+sie\s+(?:auch|mehr)|weitere\s+(?:artikel|beiträge|infos|informationen)
          |mehr\s+zum\s+thema|related|see\s+also|more\s+from|you\s+may\s+also\s+like|recommended|empfohlene?
          |auch\s+interessant|leer\s+más|lee\s+también|notas\s+relacionadas|mira:|à\s+lire\s+aussi|lire\s+aussi
          |czytaj\s+(?:też|także|więcej))\b|
    \bfollow\s+(?:us|the\s+\w+)\s+on\b|\bfolgen\s+sie\s+uns\b|\bsubscribe\b|\babonnieren\b|\bnewsletter\b
    |\bshare\s+this\b|\bdownload\b.*\bapps?\b
    """
)
_BODY_WORDS = 25
_EDGE_MAX_WORDS = 20


@dataclass(slots=True)
class HtmlExtraction:
    """The article found in a page, with what the page says about itself."""

    text: str  # main text, paragraphs separated by "\n\n"
    title: str | None
    published: str | None  # YYYY-MM-DD (page metadata / htmldate)
    site: str | None  # sitename
    url: str | None  # canonical URL if the page declares one
    authors: list[str] = field(default_factory=list)
    language: str | None = None  # from <html lang> / metadata if declared
    description: str | None = None


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _parse(html: str):  # -> lxml.html.HtmlElement
    import lxml.etree
    import lxml.html

    # lxml refuses str input with an XML encoding declaration, and NUL bytes
    # (binary junk decoded as text) end the parse early or fail it.
    cleaned = html.replace("\x00", "")
    cleaned = re.sub(r"^\s*<\?xml[^>]*\?>", "", cleaned)
    try:
        return lxml.html.document_fromstring(cleaned)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError("unparsable-html", f"lxml cannot parse the page: {exc}") from exc


def _declared_language(tree) -> str | None:
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for c in candidates:
        c = (c or "").strip().split(",")[0].strip()
        if c and _LANG.match(c):
            return c.replace("_", "-").split("-")[0].lower()
    return None


def _canonical_url(tree, url: str | None) -> str | None:
    for link in tree.iterfind(".//link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return urljoin(url or "", link.get("href").strip()) or None
    for meta in tree.iterfind(".//meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url" and meta.get("content"):
            return urljoin(url or "", meta.get("content").strip()) or None
    return None


def _line_model_view(tree) -> tuple[list[textlines.Line], list[float]]:
    import html_text

    rendered = html_text.extract_text(tree, guess_layout=True)
    lines = textlines.split_lines(rendered)
    return lines, [float(p) for p in textlines.content_scores(lines)]


def _line_model_text(tree) -> str:
    """The article lines of the page's text rendering, by the plain-text line model."""
    lines, scores = _line_model_view(tree)
    thr = textlines.threshold()
    return "\n\n".join(ln.text.strip() for ln, p in zip(lines, scores) if p > thr)


def extract_html(html: str, url: str | None = None) -> HtmlExtraction:
    """The main text and metadata of one HTML page.

    Raises ``ExtractError("no-text", ...)`` when the page holds no article text.

    >>> ex = extract_html(page_html, url="https://example.org/a")   # doctest: +SKIP
    >>> ex.title, ex.published, ex.text[:60]                         # doctest: +SKIP
    """
    if not html or not html.strip():
        raise ExtractError("no-text", "the page is empty")
    if len(html) > MAX_HTML_CHARS:
        raise ExtractError("too-large", f"the page has {len(html)} characters (limit {MAX_HTML_CHARS})")
    import trafilatura
    from trafilatura.utils import load_html

    _quick_element_classes()
    fastxpath.install()
    _dateparser_regexes()
    try:
        # trafilatura's own parser settings (comments and processing instructions
        # removed), as the bench measured; the one tree serves the metadata, the
        # extraction (which works on a copy) and the fallback.
        tree = load_html(html.replace("\x00", ""))
    except Exception:  # noqa: BLE001 - its decoding and repair steps fail in many ways
        tree = None
    if tree is None:
        tree = _parse(html)
    language = _declared_language(tree)
    canonical = _canonical_url(tree, url)
    meta = _page_metadata(tree, url)
    try:
        doc = trafilatura.bare_extraction(tree, url=url or meta.url, include_comments=False, include_tables=True)
    except Exception as exc:  # noqa: BLE001 - trafilatura raises many kinds on broken pages
        doc = None
        failure = f"trafilatura failed: {type(exc).__name__}: {exc}"
    else:
        failure = "trafilatura found no main text"
    paras = [p.strip() for p in ((doc.text or "") if doc is not None else "").split("\n") if p.strip()]
    title = meta.title or _fallback_title(tree)
    if len(paras) > 1 and title and _norm(paras[0]).casefold() == _norm(title).casefold():
        paras = paras[1:]  # the <h1> repeating the title: the title is kept apart
    paras = _drop_edge_boilerplate(paras)
    text = "\n\n".join(paras)
    if not text:
        try:
            text = _line_model_text(tree).strip()
        except Exception as exc:  # noqa: BLE001 - html-text on a pathological tree
            failure += f"; html-text failed: {type(exc).__name__}: {exc}"
        if len(text.split()) < _MIN_FALLBACK_WORDS:  # a menu or a title is not an article
            text = ""
    if not text:
        raise ExtractError("no-text", failure)
    authors = [a.strip() for a in re.split(r";|\s+and\s+", meta.author or "") if a.strip()]
    return HtmlExtraction(
        text=text,
        title=title,
        published=meta.date or None,
        site=meta.sitename or None,
        url=canonical,
        authors=authors,
        language=language,
        description=meta.description or None,
    )


@functools.cache
def _quick_element_classes() -> None:
    """Give trafilatura's parser lxml's C-level element-class lookup.

    ``lxml.html`` picks each element's Python class with a Python callback (form
    fields get their own classes), called for every element trafilatura touches: an
    eighth of extraction time. trafilatura needs only ``HtmlElement``'s methods, so
    the C lookup with the same classes (form fields as plain ``HtmlElement``) gives
    the same extraction, about 5 ms faster per page (tested on bench pages).
    """
    import lxml.etree
    import lxml.html
    from trafilatura.utils import HTML_PARSER

    HTML_PARSER.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
    ))


# dateparser's Dictionary classes keep, per locale, the regexes that split a string into
# known words; they are compiled (by the ``regex`` package's Python-level parser) the
# first time a string reaches a locale. htmldate sends dateparser its last-resort
# strings, and one that no locale reads (a page in fifty here) makes all 205 locales
# compile theirs: 1.4 s, once in each process. Compiled ``regex`` patterns pickle with
# their compiled code, so the first process keeps them in dateline's cache folder and
# the next ones load them in 0.05 s.
_DATEPARSER_CACHES = ("_split_regex_cache", "_sorted_words_cache", "_split_relative_regex_cache",
                      "_sorted_relative_strings_cache", "_match_relative_regex_cache")


@functools.cache
def _dateparser_regexes() -> None:
    """Load dateparser's compiled word regexes into its caches (once per process)."""
    try:
        import dateparser
        import regex
        from dateparser.languages.dictionary import Dictionary

        from ..config import cached_bytes

        name = f"dateparser-{dateparser.__version__}-regex-{regex.__version__}-words.pickle"
        caches = pickle.loads(cached_bytes(name, _compile_dateparser_regexes))  # noqa: S301 - dateline's own cache
        with Dictionary._cache_lock:
            for attr, by_key in caches.items():
                into = getattr(Dictionary, attr)
                for key, per_locale in by_key.items():
                    into.setdefault(key, {}).update(per_locale)
    except Exception:  # noqa: BLE001 - a speed-up only: dateparser compiles what it lacks itself
        pass


def warm() -> None:
    """Load now what extracting a page loads on first use: the speed-ups above, and
    dateparser's tables. htmldate sends dateparser a page's last-resort strings; the
    first one loads its timezone patterns (0.08 s) and the first that no locale reads
    loads every locale's dictionary (0.2 s), in whichever page that happens to be."""
    _quick_element_classes()
    fastxpath.install()
    _dateparser_regexes()
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("qzxv 2010")  # a word no locale knows: every locale loads


def _compile_dateparser_regexes() -> bytes:
    from dateparser.languages.dictionary import Dictionary
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("qzxv 2010")  # a word no locale knows: each compiles its regexes
    return pickle.dumps({attr: getattr(Dictionary, attr) for attr in _DATEPARSER_CACHES})


def _page_metadata(tree, url: str | None):  # -> trafilatura.settings.Document
    """Title, date, site, authors and description: trafilatura's ``extract_metadata``
    step by step, without the categories, tags and licence dateline does not keep
    (a quarter of its time). A test holds the fields equal to trafilatura's own.

    A page whose metadata trips trafilatura or htmldate gets none, not an error.
    """
    from htmldate import find_date
    from trafilatura import metadata as tm
    from trafilatura.settings import Document, set_date_params

    try:
        meta = tm.examine_meta(tree)
        if meta.author and " " not in meta.author:
            meta.author = None
        try:
            meta = tm.extract_meta_json(tree, meta)
        except Exception:  # noqa: BLE001 - as trafilatura: bugs in its JSON-LD reader
            pass
        meta.title = meta.title or tm.extract_title(tree)
        meta.author = meta.author or tm.extract_author(tree)
        meta.url = meta.url or tm.extract_url(tree, url)
        if meta.url:
            meta.hostname = tm.extract_domain(meta.url, fast=True)
        meta.date = find_date(tree, **set_date_params(True), url=meta.url)
        meta.sitename = meta.sitename or tm.extract_sitename(tree)
        if meta.sitename:
            meta.sitename = meta.sitename.lstrip("@")  # a Twitter handle
            if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
                meta.sitename = meta.sitename.title()
        elif meta.url and (host := tm.META_URL.match(meta.url)):
            meta.sitename = host[1]
        meta.clean_and_trim()
    except Exception:  # noqa: BLE001 - metadata is a bonus; the article text is the job
        return Document()
    return meta


def _drop_edge_boilerplate(paras: list[str]) -> list[str]:
    """``paras`` without the short furniture paragraphs around the body (``_EDGE_BOILERPLATE``).

    Credits ("Reporting by ...; Editing by ...") look like furniture and sit at the end,
    but they are the article's: they stay for the credits step.
    """
    body = [i for i, p in enumerate(paras) if len(p.split()) >= _BODY_WORDS]
    if not body:
        return paras
    first, last = body[0], body[-1]
    return [
        p for i, p in enumerate(paras)
        if first <= i <= last or len(p.split()) > _EDGE_MAX_WORDS or not _EDGE_BOILERPLATE.search(p)
        or find_credits(p)[1] is not None
    ]


def _fallback_title(tree) -> str | None:
    t = tree.findtext(".//title")
    return _norm(t) or None if t else None
