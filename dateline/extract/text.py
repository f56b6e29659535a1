"""Article text out of scraped plain text (the seed's case, which HTML extractors cannot read).

Two layers:

1. Structural rules for what scrapers reliably leave behind around an article and
   what is worth reporting as a sign of a scraped or spun copy: the title repeated
   at the top (or the headline above the byline when a cookie notice or "Skip to
   content" opens the scrape), bullet highlights above the body, short promo lines
   repeated inside the text, teaser links ("Read more: <headline>"), tag lists,
   "Previous Post / Next Post" blocks with their headlines, comment forms, and
   whatever follows the credits line. These are recognised by
   layout (repetition, bullets, a marker line followed by short headline lines) and
   by short multilingual marker lexicons, never by site-specific strings.
2. For everything else, the line classifier of :mod:`dateline.extract.textlines`
   (layout features of each line and its neighbours plus a lexical model of its words,
   trained on rendered web pages).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..errors import ExtractError
from .textlines import Line, content_scores, norm_line, split_lines
from .textlines import threshold as model_threshold

_WORD = re.compile(r"\w+", re.UNICODE)
_BULLET = re.compile(r"^\s*[•·▪►▶◦‣●○■□*–-]\s+(?P<text>\S.*)$")
_TAGS = re.compile(
    r"^\s*(?:tags?|tagged(?: with| in)?|topics|keywords|schlagw(?:ö|oe)rter|stichw(?:ö|oe)rter|themen|"
    r"etiquetas|étiquettes|mots[- ]clés|tagi|parole chiave|trefwoorden)\s*[:：]",
    re.I,
)
_RELATED = re.compile(
    r"^\s*(?:[«‹<←]\s*)?(?:previous|next|older|newer|prev)(?: (?:post|article|story|entry|page))?"
    r"(?:\s*[»›>→:])?\s*$|"
    r"^\s*(?:vorherige[rs]?|nächste[rs]?|n[äa]chster) (?:beitrag|artikel)\s*$|"
    r"^\s*(?:entrada|art[íi]culo|publicaci[óo]n) (?:anterior|siguiente)\s*$|"
    r"^\s*(?:siguiente|anterior) (?:entrada|art[íi]culo)\s*$|"
    r"^\s*article (?:précédent|suivant)\s*$|"
    r"^\s*(?:related (?:posts?|articles?|stories|news)|you (?:may|might) also like|"
    r"read (?:more|also|next)|more (?:from|stories|news)|recommended(?: for you)?|"
    r"ähnliche beiträge|das könnte sie auch interessieren|lesen sie auch|mehr zum thema|"
    r"te puede interesar|lire aussi|à lire aussi|czytaj (?:też|także))\s*[:.]?\s*$",
    re.I,
)
_COMMENT_FORM = re.compile(
    r"^\s*(?:leave a (?:reply|comment)|post a comment|add (?:a )?comment|\d*\s*comments?\s*$|"
    r"cancel reply|submit comment|post comment|"
    r"kommentar (?:verfassen|hinterlassen|schreiben)|antwort(?:en)? abbrechen|schreibe einen kommentar|"
    r"deixe um comentário|deja (?:un comentario|una respuesta)|laisser un commentaire|"
    r"dodaj komentarz|lascia un commento)|"
    r"(?:your email address will not be published|required fields are marked|"
    r"e-mail-adresse wird nicht veröffentlicht|erforderliche felder sind|"
    r"tu dirección de correo electrónico no será publicada|"
    r"votre adresse (?:e-)?mail ne sera pas publiée|"
    r"il tuo indirizzo email non sarà pubblicato)",
    re.I,
)
# Wire credits ("Reporting by ...; Editing by ..."), also in their mistranslated forms
# ("letter from" for "Writing by"): the article ends with this line.
_CREDITS = re.compile(
    r"^\s*(?:\(?\s*)(?:additional )?(?:reporting|writing|editing|compiled|written|edited|"
    r"translated|graphics?)\s+(?:by|from)\b|;\s*(?:editing|writing|letter) (?:by|from)\b",
    re.I,
)
# A teaser link inside or after the article: "Read more: <headline>", "Lesen Sie auch: ...".
_TEASER = re.compile(
    r"^\s*(?:read (?:more|also|next)|see also|related|watch|listen|more on this|"
    r"lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|lire aussi|à lire aussi|voir aussi|"
    r"lee también|leer más|vea también|ver también|leia também|leggi anche|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także)|läs även|lees ook)\s*[:：]\s*(?P<text>\S.*)$",
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*\s*$")


@dataclass(slots=True)
class TextExtraction:
    """What the plain-text path found; ``text`` is the article body."""

    text: str  # the article body, paragraphs in order, separated by "\n\n"
    title: str | None
    highlights: list[str] = field(default_factory=list)  # bullet points near the top, not in the body
    signals: list[str] = field(default_factory=list)  # removed material that hints at a scraped copy


def _words(s: str) -> int:
    return len(_WORD.findall(s))


# A sentence ending inside the line ("... your experience. By continuing ..."): a notice, not a
# headline. The word before the period must start lower-case, so "Gov. Smith" and "U.S. Senate" pass.
_INNER_SENTENCE_END = re.compile(r"\b[a-z][a-z]+[.!?]\s+[A-Z]")


def _headline_like(s: str) -> bool:
    s = s.strip()
    return 1 <= _words(s) <= 30 and len(s) <= 250 and not s.endswith((".", ",", ";", ":")) \
        and not _BULLET.match(s) and not _INNER_SENTENCE_END.search(s)


# Page furniture that can open a scrape and is never the headline.
_NAVIGATION = re.compile(
    r"^\s*(?:skip to (?:the )?(?:main )?(?:content|navigation)|jump to (?:content|navigation)|"
    r"zum inhalt springen|direkt zum inhalt|aller au contenu|saltar al contenido|przejdź do treści)\b|"
    r"^\s*(?:(?:main )?menu|navigation|home|search|log ?in|sign (?:in|up)|subscribe)\s*$",
    re.I,
)
# A byline ("By Jane Doe", "Von Max Muster") between the headline and the article.
_BYLINE = re.compile(r"^\s*(?:by|von|par|por|di|door|przez|av|written by|posted by)\s+\S", re.I)


def _date_like(s: str) -> bool:
    """A line that is mostly a date or time stamp ("2022-09-08", "Sept. 8, 2022 10:31 GMT")."""
    letters = sum(map(str.isalpha, s))
    digits = sum(map(str.isdigit, s))
    return digits >= 2 and _words(s) <= 8 and letters <= 3 * digits + 12


def _unwrap(lines: list[Line]) -> list[Line]:
    """Join hard-wrapped paragraphs (e-mail / terminal text) into one line each.

    Wrapped text is recognised by most longer lines having nearly the same width and
    being followed directly by another line; paragraphs are then the blank-separated
    blocks.
    """
    longish = [ln for ln in lines if _words(ln.text) >= 8]
    if len(longish) < 6:
        return lines
    widths = sorted(len(ln.text.rstrip()) for ln in longish)
    top = widths[int(len(widths) * 0.8)]
    near_width = sum(1 for w in widths if top - 15 <= w <= top + 2 and w <= 100)
    continued = sum(1 for ln in longish if ln.blank_after == 0)
    if near_width < 0.6 * len(longish) or continued < 0.5 * len(longish):
        return lines
    merged: list[Line] = []
    for ln in lines:
        if merged and ln.blank_before == 0 and not _BULLET.match(ln.text) \
                and len(merged[-1].text.rstrip()) >= top - 25:
            prev = merged[-1]
            prev.text = prev.text.rstrip() + " " + ln.text.strip()
            prev.blank_after = ln.blank_after
        else:
            merged.append(Line(ln.text, ln.index, ln.blank_before, ln.blank_after))
    return merged


def _find_title(
    lines: list[Line], normed: list[str], scores: list[float], thr: float
) -> tuple[str | None, set[int]]:
    """The title and the indexes of its copies at the top.

    A scraped page starts with its headline, often twice (the <title> and the <h1>).
    A first line that is repeated near the top, or that reads like a headline, is
    the title; all its copies near the top leave the body. When the scrape opens with
    something else (a cookie notice, "Skip to main content"), the headline is the
    headline-like line right above the article's first paragraph, past its byline and
    date stamp.
    """
    if len(lines) == 1:
        return None, set()
    first = lines[0].text.strip()
    if _headline_like(first) and not _NAVIGATION.match(first):
        top = range(min(len(lines), 8))
        return first, {i for i in top if normed[i] == normed[0]}
    body = next((i for i, ln in enumerate(lines) if scores[i] > thr and _words(ln.text) >= 12), None)
    if body is None:
        return None, set()
    for i in range(body - 1, max(0, body - 6), -1):
        s = lines[i].text.strip()
        if _BYLINE.match(s) or _date_like(s) or _words(s) < 4:
            continue
        if _headline_like(s) and not _NAVIGATION.match(s):
            return s, {j for j in range(min(len(lines), body)) if normed[j] == normed[i]}
        break
    return None, set()


def _find_highlights(lines: list[Line], start: int, scores: list[float], thr: float) -> list[int]:
    """Bullet lines above the body: the first run of 'key points' before the first paragraph."""
    out: list[int] = []
    for i in range(start, min(len(lines), start + 15)):
        s = lines[i].text
        m = _BULLET.match(s)
        if m and 3 <= _words(m.group("text")) <= 40:
            out.append(i)
            continue
        if out or (_words(s) >= 20 and scores[i] > thr):
            break
    return out


def extract_plain(
    text: str,
    scorer: Callable[[list[Line]], Sequence[float]] | None = None,
    threshold: float | None = None,
) -> TextExtraction:
    """The article in scraped plain text: body, title, highlights, and signals of scraping.

    ``scorer`` and ``threshold`` replace the shipped line model and its threshold; the
    training script passes out-of-fold scores to measure this whole path honestly.

    >>> ex = extract_plain(open("page.txt").read())   # doctest: +SKIP
    >>> ex.title, ex.highlights, ex.text[:40]          # doctest: +SKIP
    """
    lines = _unwrap(split_lines(text))
    if not lines:
        raise ExtractError("no-text", "the document has no non-empty lines")
    n = len(lines)
    normed = [norm_line(ln.text) for ln in lines]
    scores = [float(s) for s in (scorer or content_scores)(lines)]
    thr = model_threshold() if threshold is None else threshold
    drop = [False] * n
    signals: list[str] = []

    title, title_idx = _find_title(lines, normed, scores, thr)
    for i in title_idx:
        drop[i] = True
    first_free = max(title_idx) + 1 if title_idx else 0

    # Repeated short lines: menus, share bars and in-text promos. Promos (repeats with
    # article text on both sides) are reported as a sign of a scraped copy.
    positions: dict[str, list[int]] = {}
    for i, s in enumerate(normed):
        if i not in title_idx:
            positions.setdefault(s, []).append(i)
    prose = [i for i in range(n) if _words(lines[i].text) >= 15 and scores[i] > thr]
    for s, idx in positions.items():
        if len(idx) < 2 or _words(s) > 20 or (title and s == normed[0]):
            continue
        for i in idx:
            drop[i] = True
        if prose and any(prose[0] < i < prose[-1] for i in idx):
            signals.append(f"promo-line: {lines[idx[0]].text.strip()} (x{len(idx)})")

    highlights = [i for i in _find_highlights(lines, first_free, scores, thr) if not drop[i]]
    for i in highlights:
        drop[i] = True

    for i, ln in enumerate(lines):
        m = _TEASER.match(ln.text)
        if m and not drop[i] and _words(m.group("text")) <= 25:
            drop[i] = True
            if prose and prose[0] < i < prose[-1]:
                signals.append(f"teaser-link: {ln.text.strip()}")

    keep = [not drop[i] and scores[i] > thr for i in range(n)]
    _cut_trailers(lines, keep, drop, signals)

    body = [lines[i].text.strip() for i in range(n) if keep[i]]
    if not body:
        # Short documents without page furniture (a note, a wire brief) can look
        # unlike the pages the model learnt from: keep their sentences.
        body = [
            lines[i].text.strip() for i in range(n)
            if not drop[i] and _words(lines[i].text) >= 5 and _SENTENCE_END.search(lines[i].text)
        ]
    if not body:
        raise ExtractError("no-text", "no line of the document reads like article text")
    hl = []
    for i in highlights:
        m = _BULLET.match(lines[i].text)
        hl.append(m.group("text").strip() if m else lines[i].text.strip())
    return TextExtraction(
        text="\n\n".join(body), title=title, highlights=hl, signals=list(dict.fromkeys(signals))
    )


def _cut_trailers(lines: list[Line], keep: list[bool], drop: list[bool], signals: list[str]) -> None:
    """Drop what follows the article: tag lists, related-post blocks, comment forms, footers.

    Markers count only once most of the kept text lies above them, so a "Read more"
    box at the top of a page does not cut the article.
    """
    n = len(lines)
    words = [_words(ln.text) if k else 0 for ln, k in zip(lines, keep)]
    total = sum(words) or 1
    above = 0
    credits_seen = False
    cut_at: int | None = None
    for i, ln in enumerate(lines):
        s = ln.text.strip()
        late = above >= 0.6 * total
        if _TAGS.match(s) or (s.count(",") >= 5 and _words(s) <= s.count(",")):
            keep[i] = False
            signals.append("tag-list")
            if late and cut_at is None:
                cut_at = i
        elif _RELATED.match(s):
            keep[i] = False
            if late:
                labels = [s]
                for j in range(i + 1, n):
                    if _RELATED.match(lines[j].text):
                        labels.append(lines[j].text.strip())
                signals.append("related-posts: " + "/".join(dict.fromkeys(labels)))
                cut_at = i if cut_at is None else cut_at
        elif _COMMENT_FORM.search(s):
            keep[i] = False
            if late:
                signals.append("comment-form")
                cut_at = i if cut_at is None else cut_at
        elif credits_seen and cut_at is None and not drop[i]:
            # After the credits line the article is over: the next lines are the
            # outlet's footer ("Our standards: ...") in a repost.
            signals.append(f"footer: {s[:60]}")
            cut_at = i
        if cut_at is not None:
            break
        if _CREDITS.search(s) and _words(s) <= 40 and late and not drop[i]:
            # The credits line closes the article: it stays (the dateline/credits step
            # reads and removes it) even when the model found it too short for prose.
            keep[i] = credits_seen = True
        above += words[i]
    if cut_at is not None:
        for j in range(cut_at, n):
            if keep[j]:
                keep[j] = False
        tail = {sig.split(":")[0] for sig in signals}
        for j in range(cut_at + 1, n):
            s = lines[j].text.strip()
            if _COMMENT_FORM.search(s) and "comment-form" not in tail:
                signals.append("comment-form")
                tail.add("comment-form")
            elif _RELATED.match(s) and "related-posts" not in tail:
                labels = [x.text.strip() for x in lines[j:] if _RELATED.match(x.text)]
                signals.append("related-posts: " + "/".join(dict.fromkeys(labels)))
                tail.add("related-posts")
            elif (_TAGS.match(s) or (s.count(",") >= 5 and _words(s) <= s.count(","))) and "tag-list" not in tail:
                signals.append("tag-list")
                tail.add("tag-list")
