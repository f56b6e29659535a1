#!/usr/bin/env python3
"""Main-text extraction bench: dateline vs trafilatura (HTML) and vs jusText / line-length (plain text).

    .venv/bin/python bench/extraction.py [--shared ../shared] [--limit N] [--no-html] [--no-text]

Data: ``shared/bench/extraction`` (990 pages of trafilatura's evaluation set with
"with"/"without" snippets), scored with that folder's own ``score.py`` (its loading,
charset decoding, counting and metrics), so the figures are comparable with its README.

Split: a page is *held out* when ``crc32(id) % 5 == 0`` (193 of 990 pages). The
plain-text line model (``scripts/train_textlines.py``) is trained on the other pages
only; the HTML ensemble has no trained parts. Figures are printed for all pages and
for the held-out pages separately.

HTML: trafilatura 2.x with its default settings (``trafilatura.extract(html, url=url)``,
which already includes its own readability/jusText fallbacks), the same with metadata
extraction (what dateline needs per page, so the fair speed comparison), against
``dateline.extract.html.extract_html`` (text + metadata).

Plain text: every page rendered to text with html-text (``guess_layout=True``, as a
scraper keeps it); that text goes to ``dateline.extract.text.extract_plain`` and to
two baselines on the same lines: jusText (each line a paragraph, stoplist of the
page's language guessed from stopword overlap) and "keep lines of >= 12 words".
docs/s is wall time per page of each extractor alone (rendering not included).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"


def is_heldout(page_id: str) -> bool:
    """The fixed held-out split: about one page in five, chosen by a hash of the id."""
    return zlib.crc32(page_id.encode("utf-8")) % 5 == 0


def score_module(shared: Path) -> ModuleType:
    """The bench's own score.py, imported from the shared folder (never copied)."""
    path = shared / "bench" / "extraction" / "score.py"
    spec = importlib.util.spec_from_file_location("extraction_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_pages(shared: Path, split: str = "all", limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Bench pages as dicts (score.py's fields plus ``html``: the decoded page)."""
    score = score_module(shared)
    for page in score.load(shared / "bench" / "extraction", limit):
        held = is_heldout(page["id"])
        if (split == "train" and held) or (split == "heldout" and not held):
            continue
        page["html"] = score.decode_html(page["raw"])
        yield page


# ---------------------------------------------------------------- extractors


def trafilatura_default(html: str, url: str | None) -> str | None:
    import trafilatura

    return trafilatura.extract(html, url=url)


def trafilatura_with_metadata(html: str, url: str | None) -> str | None:
    """The same extraction, with the metadata dateline also needs (title, date, site, authors)."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return None if doc is None else "\n".join(x for x in (doc.text, doc.comments) if x)


def dateline_html(html: str, url: str | None) -> str | None:
    from dateline.errors import ExtractError
    from dateline.extract.html import extract_html

    try:
        return extract_html(html, url=url).text
    except ExtractError:
        return None


def dateline_plain(text: str) -> str | None:
    from dateline.errors import ExtractError
    from dateline.extract.text import extract_plain

    try:
        ex = extract_plain(text)
    except ExtractError:
        return None
    # The title and highlights are part of what dateline extracts from the page.
    head = [ex.title] if ex.title else []
    return "\n\n".join(head + ex.highlights + [ex.text])


def lines_12_words(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if len(ln.split()) >= 12)


_JT_LANGS = ("German", "English", "Spanish", "French", "Polish", "Italian", "Dutch", "Portuguese")


def justext_lines(text: str) -> str:
    """jusText's paragraph classifier over the lines (each line one <p>)."""
    import html as htmllib

    import justext

    words = {w.casefold() for w in text.split()}
    stop = max((justext.get_stoplist(lang) for lang in _JT_LANGS), key=lambda s: len(words & s))
    body = "".join(f"<p>{htmllib.escape(ln)}</p>" for ln in text.splitlines() if ln.strip())
    if not body:
        return ""
    paras = justext.justext(f"<html><body>{body}</body></html>".encode("utf-8"), stop, encoding="utf-8")
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


# ---------------------------------------------------------------- scoring


def run_system(
    name: str, fn: Callable[[dict[str, Any]], str | None], pages: list[dict[str, Any]], score: ModuleType
) -> dict[str, Any]:
    outputs: dict[str, str | None] = {}
    seconds = 0.0
    for page in pages:
        t0 = time.perf_counter()
        try:
            out = fn(page)
        except Exception as exc:  # noqa: BLE001 - a crash is a page with no output, as in score.py
            print(f"  {name} crashed on {page['id']}: {type(exc).__name__}: {exc}", file=sys.stderr)
            out = None
        seconds += time.perf_counter() - t0
        outputs[page["id"]] = out
    return {"name": name, "outputs": outputs, "docs_per_s": len(pages) / seconds if seconds else 0.0}


def metrics(score: ModuleType, pages: list[dict[str, Any]], outputs: dict[str, str | None]) -> dict:
    total = [0, 0, 0, 0]
    for page in pages:
        total = [a + b for a, b in zip(total, score.count(page, outputs.get(page["id"])))]
    return score.metrics(total)


def print_table(title: str, results: list[dict], pages: list[dict], score: ModuleType) -> None:
    held = [p for p in pages if is_heldout(p["id"])]
    print(f"\n{title}")
    print(f"  {'system':<34} {'F1':>6} {'P':>6} {'R':>6} | {'held-out F1':>11} {'P':>6} {'R':>6} | docs/s")
    for res in results:
        a = metrics(score, pages, res["outputs"])
        h = metrics(score, held, res["outputs"])
        print(
            f"  {res['name']:<34} {a['f1']:6.4f} {a['precision']:6.4f} {a['recall']:6.4f} | "
            f"{h['f1']:11.4f} {h['precision']:6.4f} {h['recall']:6.4f} | {res['docs_per_s']:6.1f}"
        )
    print(f"  ({len(pages)} pages, {len(held)} held out)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--limit", type=int, help="first N pages only (quick check)")
    ap.add_argument("--no-html", action="store_true", help="skip the HTML comparison")
    ap.add_argument("--no-text", action="store_true", help="skip the plain-text comparison")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))

    score = score_module(args.shared)
    pages = list(load_pages(args.shared, limit=args.limit))

    if not args.no_html:
        html_results = [
            run_system("trafilatura (default)", lambda p: trafilatura_default(p["html"], p.get("url")),
                       pages, score),
            run_system("trafilatura (default + metadata)",
                       lambda p: trafilatura_with_metadata(p["html"], p.get("url")), pages, score),
            run_system("dateline extract_html", lambda p: dateline_html(p["html"], p.get("url")), pages, score),
        ]
        print_table("HTML main-text extraction", html_results, pages, score)

    if not args.no_text:
        import html_text

        t0 = time.perf_counter()
        for page in pages:
            page["rendered"] = html_text.extract_text(page["html"], guess_layout=True)
        render_s = time.perf_counter() - t0
        text_results = [
            run_system("all text (html-text)", lambda p: p["rendered"], pages, score),
            run_system("lines >= 12 words", lambda p: lines_12_words(p["rendered"]), pages, score),
            run_system("jusText on the lines", lambda p: justext_lines(p["rendered"]), pages, score),
            run_system("dateline extract_plain", lambda p: dateline_plain(p["rendered"]), pages, score),
        ]
        print_table(
            f"Plain text (html-text rendering, guess_layout=True; rendering {len(pages) / render_s:.0f} docs/s)",
            text_results, pages, score,
        )


if __name__ == "__main__":
    main()
