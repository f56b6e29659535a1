"""The dateline ("KYIV, Sept. 10 (Reuters) –") and the credits line ("Reporting by …; Editing by …").

Both are conventions of wire copy that survive reposting, so they tell us the
place and day a report speaks from and who wrote it, even on a content farm
that mangled the labels ("letter from Peter Graff" for "Writing by").
"""

from __future__ import annotations

import datetime as dt
import re

from ..records import Credits, Dateline
from .dates import MONTH_RE, WEEKDAY_RE, WEEKDAYS, month_number, resolve_day

# Agencies as they appear in parentheses; anything else capitalised and short is accepted too.
AGENCIES = {
    "reuters": "Reuters", "ap": "AP", "afp": "AFP", "upi": "UPI", "dpa": "dpa", "ansa": "ANSA",
    "efe": "EFE", "xinhua": "Xinhua", "tass": "TASS", "ria novosti": "RIA Novosti", "interfax": "Interfax",
    "bloomberg": "Bloomberg", "cnn": "CNN", "bbc": "BBC", "pti": "PTI", "ians": "IANS", "kyodo": "Kyodo",
    "yonhap": "Yonhap", "anadolu": "Anadolu", "aa": "Anadolu", "ukrinform": "Ukrinform", "irna": "IRNA",
    "the associated press": "AP", "associated press": "AP", "agence france-presse": "AFP",
    "thomson reuters foundation": "Thomson Reuters Foundation", "reuters breakingviews": "Reuters Breakingviews",
}

_PLACE = r"(?P<place>[A-Z][A-Z'’.\-]+(?:[ \-][A-Z][A-Z'’.\-]+){0,3}(?:,\s+[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)?)"
_DATE = rf"(?:,?\s+(?P<date>{MONTH_RE}\s+\d{{1,2}}|\d{{1,2}}\s+{MONTH_RE}))?"
_AGENCY = r"(?:\s*\((?P<agency>[A-Za-z][A-Za-z .&\-]{0,40}?)\))?"
# Dashes, including their mojibake when a page's charset was wrong ("â€”", U+FFFD).
_DASH = r"\s*(?:[–—-]{1,2}|:|\ufffd|â€[”“\x93\x94])\s+"
DATELINE_RE = re.compile(rf"^\s*{_PLACE}{_DATE}{_AGENCY}{_DASH}", re.M)
# Title-case variant requires the agency: "Kyiv (AFP) -", "Kyiv, Sept. 10 (Reuters) -".
DATELINE_TC_RE = re.compile(
    rf"^\s*(?P<place>[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){{0,2}}){_DATE}\s*\((?P<agency>[A-Za-z][A-Za-z .&\-]{{0,40}}?)\){_DASH}",
    re.M,
)

# Credit labels, including machine-translation slips seen on reposting sites.
_ROLE_LABELS = {
    "reporting": r"(?:additional\s+)?report(?:ing|ed)|reporters?|correspondents?",
    "writing": r"writing|written|letter|text|wrote|compiled|compilation|writer",
    "editing": r"editing|edited|editors?|edition|redaction",
}
_LABEL_RE = re.compile(
    r"(?P<label>" + "|".join(f"(?P<{role}>{pat})" for role, pat in _ROLE_LABELS.items()) + r")\s+(?:by|from|of)\s+",
    re.I,
)
_CREDITS_LINE_RE = re.compile(
    r"^[ \t]*\(?[ \t]*(?:(?:additional\s+)?reporting|writing|written|editing|edited|letter|compiled)\s+(?:by|from)\s+[^\n]{2,300}$",
    re.I | re.M,
)
_NAME_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")


def find_dateline(text: str, reference: dt.date | None, today: dt.date | None = None) -> Dateline:
    """The dateline at the start of the first paragraphs, with its date resolved to a day."""
    head = text[:1500]
    m = DATELINE_RE.search(head)
    if m and not (m.group("agency") or m.group("date")) and len(m.group("place")) < 3:
        m = None
    if m is None or not (m.group("agency") or m.group("date") or _looks_like_city(m.group("place"))):
        m = DATELINE_TC_RE.search(head) or m
    if m is None:
        return Dateline()
    if m.start("place") > 0 and text[: m.start("place")].count("\n\n") > 3:
        return Dateline()  # too deep into the text to be the dateline
    place = _tidy_place(m.group("place"))
    agency = _agency(m.group("agency"))
    date = None
    if m.group("date"):
        date = _resolve(m.group("date"), text[m.end() : m.end() + 600], reference, today)
    span_text = text[m.start("place") : m.end()].rstrip()
    return Dateline(place=place, date=date, agency=agency, text=span_text,
                    start=m.start("place"), end=m.start("place") + len(span_text))


def _looks_like_city(place: str) -> bool:
    return place.isupper() and 3 <= len(place) <= 40


def _tidy_place(place: str) -> str:
    """"KYIV" -> "Kyiv"; "WASHINGTON, D.C." kept readable; "Kyiv" as is."""
    head = place.split(",")[0].strip()
    if head.isupper():
        return " ".join(w if w.endswith(".") else w.capitalize() for w in head.split())
    return head


def _agency(raw: str | None) -> str | None:
    if not raw:
        return None
    key = " ".join(raw.split()).lower()
    return AGENCIES.get(key, raw.strip())


def _resolve(date_text: str, following: str, reference: dt.date | None, today: dt.date | None) -> str | None:
    parts = date_text.replace(".", " ").split()
    if parts[0].isdigit():
        day, month = int(parts[0]), month_number(parts[1])
    else:
        month, day = month_number(parts[0]), int(parts[1])
    if month is None:
        return None
    ref = reference or today or dt.date.today()
    # A weekday named in the lead sentence is taken to be the dateline's day.
    first_sentence = re.split(r"(?<=[.!?])\s", following, maxsplit=1)[0]
    wd = WEEKDAY_RE.search(first_sentence)
    weekday = WEEKDAYS[wd.group(1).lower()] if wd else None
    day_value = resolve_day(month, day, ref, weekday)
    if day_value is None and weekday is not None:
        day_value = resolve_day(month, day, ref)
    return day_value.isoformat() if day_value else None


def find_credits(text: str) -> tuple[Credits, tuple[int, int] | None]:
    """Credits from the last credits line in the text, and that line's span (to drop it from the body)."""
    matches = list(_CREDITS_LINE_RE.finditer(text))
    if not matches:
        return Credits(), None
    m = matches[-1]
    if len(text) - m.end() > 600:  # credits stand at the end of a report
        return Credits(), None
    line = m.group(0).strip()
    credits = parse_credits(line)
    if not (credits.reporting or credits.writing or credits.editing):
        return Credits(), None
    return credits, (m.start(), m.end())


def parse_credits(line: str) -> Credits:
    """'Reporting by A and B; letter from C; editing by D' -> Credits(reporting=[A, B], writing=[C], editing=[D])."""
    credits = Credits(text=line)
    labels = list(_LABEL_RE.finditer(line))
    for i, lab in enumerate(labels):
        role = next(r for r in _ROLE_LABELS if lab.group(r))
        end = labels[i + 1].start() if i + 1 < len(labels) else len(line)
        names_text = line[lab.end() : end].strip(" ;,.()")
        # "Pavel Polityuk in Kyiv" -> "Pavel Polityuk": the place is where, not who.
        names = [re.sub(r"\s+in\s+[A-Z][\w .'-]*$", "", n).strip(" ;.()") for n in _NAME_SPLIT.split(names_text)]
        getattr(credits, role).extend(n for n in names if n and len(n) < 60)
    return credits
