"""A memo of spaCy's embedding layers: each distinct word's input vector is computed once.

Every token-vector model of en_core_web_md (``tok2vec``, the NER's own, ``senter``'s)
begins with the same embedding block: hashed word features (norm, prefix, suffix,
shape, whether a space follows) and the static word vector, side by side, mixed by a
Maxout layer and normalised. Nothing in that block looks at a token's neighbours: its
output is a function of the values it reads, the feature columns and the vectors' key
(``ORTH``). So the output of each distinct row of those values is kept, and a document
computes only the rows it is the first to bring, in one small batch; the rest is a
gather. A news article of 1,100 words has about 450 distinct words, and after a few
hundred articles nearly all of them are known.

The block stays in float, as trained: the memo changes no result, only when it is
computed (a row computed alone may differ from the same row in a larger product in
the last bit of a float; tags, entities and sentences on the bench pages are
identical). The memo holds at most ``capacity`` rows per model (96 floats each); a
row it has no room for is computed with its document, every time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

CAPACITY = 100_000  # rows per model: 37 MB at width 96; a day of news has far more distinct words


class EmbeddingMemo:
    """The forward function of one embedding block, with its distinct rows remembered."""

    def __init__(self, block: Any, columns: list[int | str], key_attr: int, capacity: int = CAPACITY) -> None:
        from spacy.attrs import intify_attr

        self.block = block
        self.forward: Callable[..., Any] = block._func  # the block's own forward, for the rows not yet known
        # The key: the vectors' attribute and every column a word's lexeme does not fix.
        ids = [intify_attr(c) for c in columns]
        self.columns = [key_attr, *(c for c in ids if c != key_attr and c not in _lexical())]
        self.capacity = capacity
        self.width = block.get_dim("nO")
        self.slots: dict[bytes, int] = {}  # a row of the key columns -> its row in ``table``
        self.table = numpy.zeros((0, self.width), dtype="float32")

    def __len__(self) -> int:
        return len(self.slots)

    def __call__(self, model: Any, docs: list[Any], is_train: bool) -> tuple[list[Any], Callable[..., Any]]:
        if is_train or not all(hasattr(doc, "to_array") for doc in docs):
            return self.forward(model, docs, is_train)  # type: ignore[no-any-return]
        return [self._vectors(doc) for doc in docs], no_backprop

    def _vectors(self, doc: Any) -> Any:
        from .nlp import distinct_rows

        rows, keys, first, inverse = distinct_rows(doc, self.columns)
        slots = self.slots
        where = numpy.fromiter((slots.get(k, -1) for k in keys), dtype=numpy.int64, count=len(keys))
        new = numpy.flatnonzero(where < 0)
        if len(new):
            computed = self._compute(doc, rows, first[new])
            if computed is None:
                return self.forward(self.block, [doc], False)[0][0]  # a column a word cannot carry alone
            where[new] = self._remember([keys[j] for j in new], computed)
            if (where < 0).any():  # no room left for some rows: they come from this document's batch
                vectors = self.table[numpy.maximum(where, 0)]
                missing = numpy.flatnonzero(where < 0)
                vectors[missing] = computed[numpy.searchsorted(new, missing)]
                return vectors[inverse]
        return self.table[where[inverse]]

    def _compute(self, doc: Any, rows: Any, first: Any) -> Any:
        """The block's output for the tokens at ``first`` of ``doc``, run as a document of their own."""
        from spacy.tokens import Doc

        words = [doc[int(i)] for i in first]
        batch = Doc(doc.vocab, words=[t.text for t in words], spaces=[bool(t.whitespace_) for t in words])
        batch.from_array(self.columns, rows[first])  # the token-level columns (NORM), as in the document
        if not numpy.array_equal(batch.to_array(self.columns).reshape(len(first), -1), rows[first]):
            return None
        (computed,), _ = self.forward(self.block, [batch], False)
        return computed

    def _remember(self, keys: list[bytes], vectors: Any) -> Any:
        """Store the rows there is room for; returns each one's slot, -1 where there was none."""
        room = max(self.capacity - len(self.slots), 0)
        out = numpy.full(len(keys), -1, dtype=numpy.int64)
        keys, vectors = keys[:room], numpy.asarray(vectors[:room], dtype="float32")
        start = len(self.slots)
        if start + len(keys) > len(self.table):
            grown = numpy.zeros((min(self.capacity, max(2 * len(self.table), start + len(keys), 4096)), self.width),
                                dtype="float32")
            grown[:start] = self.table[:start]
            self.table = grown
        self.table[start : start + len(keys)] = vectors
        for j, key in enumerate(keys):
            self.slots[key] = start + j
        out[: len(keys)] = numpy.arange(start, start + len(keys))
        return out


def _lexical() -> frozenset[int]:
    """Attributes that are the same for every token of one word (held by its lexeme)."""
    from spacy import attrs

    return frozenset(getattr(attrs, name) for name in (
        "ORTH", "LOWER", "SHAPE", "PREFIX", "SUFFIX", "LENGTH", "IS_SPACE", "IS_ALPHA", "IS_DIGIT",
        "IS_PUNCT", "IS_STOP", "IS_ASCII", "IS_LOWER", "IS_UPPER", "IS_TITLE", "LIKE_NUM",
    ))


def no_backprop(d_output: Any) -> Any:
    """The backward pass of a layer that dateline runs at inference only."""
    raise NotImplementedError("dateline's spaCy models run inference only")


def embedding_blocks(model: Any) -> list[Any]:
    """The embedding blocks of a thinc model: the chains that run from ``extract_features``
    to ``ragged2list``, with the static vectors, as spaCy's ``MultiHashEmbed`` builds them."""
    return [
        node for node in model.walk()
        if node.name.startswith("extract_features>>") and node.name.endswith(">>ragged2list")
        and "static_vectors" in node.name and "expand_window" not in node.name
    ]


def memoise(model: Any, vocab: Any, capacity: int = CAPACITY) -> list[EmbeddingMemo]:
    """Put a memo on each embedding block of a spaCy component's ``model``; returns the memos."""
    from spacy.attrs import ORTH

    key_attr = int(getattr(vocab.vectors, "attr", ORTH))
    memos = []
    for block in embedding_blocks(model):
        if isinstance(block._func, EmbeddingMemo):
            continue
        features = next(n for n in block.walk() if n.name == "extract_features")
        memo = EmbeddingMemo(block, list(features.attrs["columns"]), key_attr, capacity)
        block._func = memo
        memos.append(memo)
    return memos
