"""spaCy's named-entity recogniser, decoded in NumPy: same model, same entities, a third of the time.

spaCy's NER is a greedy transition system over BILUO moves (Begin, In, Last,
Unit, Out). Each move consumes one token, and the model scores the moves of a
state from three token features: the next token, the first token of the open
entity and the token before the next, the last two only while an entity is open.
spaCy computes those scores one step at a time for every token, and checks every
move's validity in a loop: 70% of the component's time, ahead of its own token
vectors.

With no entity open, the state is the token position alone, so the scores of
every token in that state come from one matrix product, and the best valid move
too. Only the tokens inside an entity need a step of their own, and entities are
a small share of the tokens. The moves' validity rules are spaCy's
(``spacy/pipeline/_parser_internals/ner.pyx``) for documents without preset
entities, which is what the pipeline gives this component.

Same weights, same rules: ``tests/analyze/test_nlp.py`` checks that the entities
equal spaCy's own on real articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .nlp import max_of_pieces

_BEGIN, _IN, _LAST, _UNIT, _OUT = "BILUO"


@dataclass(frozen=True)
class _Moves:
    """The model's classes by move: label hashes, and class indices per label."""

    labels: list[int]  # per class: the label hash (0 for none)
    begin: np.ndarray  # class indices of B-<label>, for every label with one
    unit: np.ndarray
    unit_set: frozenset[int]
    out: int
    inside: dict[int, int]  # label hash -> class of I-<label>
    last: dict[int, int]  # label hash -> class of L-<label>


class FastEntityRecognizer:
    """A pipeline component with the scores and moves of a trained spaCy ``ner``."""

    def __init__(self, ner: Any) -> None:
        self.ner = ner
        model = ner.model
        self.tok2vec = model.get_ref("tok2vec")
        lower, upper = model.get_ref("lower"), model.get_ref("upper")
        self.nF, self.nO, self.nP, nI = (lower.get_dim(d) for d in ("nF", "nO", "nP", "nI"))
        self.lower_W = lower.get_param("W").reshape(self.nF * self.nO * self.nP, nI).T.copy()
        self.lower_b = lower.get_param("b")  # (nO, nP)
        self.pad = lower.get_param("pad")[0]  # (nF, nO, nP): the features of "no token"
        self.upper_W = upper.get_param("W").T.copy()  # (nO, classes)
        self.upper_b = upper.get_param("b")
        self.unseen = np.array(sorted(model.attrs["unseen_classes"]), dtype=np.int64)
        self.moves = _moves(ner)

    @staticmethod
    def supports(ner: Any) -> bool:
        """Whether ``ner`` is the model this decoder knows: greedy, three features, an upper layer."""
        model = ner.model
        try:
            lower = model.get_ref("lower")
            return (ner.cfg.get("beam_width", 1) == 1 and model.attrs.get("has_upper", False)
                    and lower.get_dim("nF") == 3 and ner.moves.n_moves == model.get_ref("upper").get_dim("nO"))
        except (KeyError, ValueError):
            return False

    def __call__(self, doc: Any) -> Any:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Any, batch_size: int = 8) -> Any:
        batch: list[Any] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, docs: list[Any]) -> list[Any]:
        from spacy.tokens import Span

        todo = [d for d in docs if len(d)]
        if todo:
            vectors = self.tok2vec.predict(todo)  # (tokens of all docs, nI)
            features = (vectors @ self.lower_W).reshape(-1, self.nF, self.nO, self.nP)
            start = 0
            for doc in todo:
                rows = features[start : start + len(doc)]
                start += len(doc)
                spans = [Span(doc, s, e, label=label) for s, e, label in self._decode(doc, rows)]
                doc.set_ents(spans, default="outside")
        return docs

    def _scores(self, summed: np.ndarray) -> np.ndarray:
        """Scores of the moves from summed features (states, nO, nP): maxout, then the upper layer."""
        scores = max_of_pieces(summed) @ self.upper_W + self.upper_b
        if self.unseen.size:
            scores[:, self.unseen] = -np.inf
        return scores

    def _decode(self, doc: Any, rows: np.ndarray) -> list[tuple[int, int, int]]:
        """The entities (start, end, label hash) of one document, from its token features."""
        from spacy.attrs import IS_SPACE, SENT_START

        n = len(doc)
        flags = doc.to_array([IS_SPACE, SENT_START])
        space = flags[:, 0].astype(bool)
        next_starts = np.zeros(n, dtype=bool)  # the token after t starts a sentence
        next_starts[:-1] = flags[1:, 1] == 1
        moves = self.moves
        # No entity open: features (t, none, none) for every token at once.
        closed = self._scores(rows[:, 0] + self.pad[1] + self.pad[2] + self.lower_b)
        masked = np.full_like(closed, -np.inf)
        masked[:, moves.out] = closed[:, moves.out]
        can_begin = ~space & ~next_starts
        can_begin[-1] = False  # the last token can only be a Unit
        masked[np.ix_(can_begin, moves.begin)] = closed[np.ix_(can_begin, moves.begin)]
        masked[np.ix_(~space, moves.unit)] = closed[np.ix_(~space, moves.unit)]
        best = masked.argmax(axis=1)  # first of equal maxima, as spaCy's arg_max_if_valid
        entities = []
        candidates = np.flatnonzero(best != moves.out)
        k = 0
        while k < len(candidates):
            t = int(candidates[k])
            move = int(best[t])
            label = moves.labels[move]
            if move in moves.unit_set:
                entities.append((t, t + 1, label))
                k += 1
                continue
            end = self._inside(rows, t, label, next_starts)
            entities.append((t, end, label))
            k = int(np.searchsorted(candidates, end))  # decisions resume after the entity
        return entities

    def _inside(self, rows: np.ndarray, begin: int, label: int, next_starts: np.ndarray) -> int:
        """Follow an entity opened at ``begin``: In while the model says so and may, then Last; its end."""
        inside, last = self.moves.inside[label], self.moves.last[label]
        n = len(rows)
        t = begin + 1
        while True:
            # Features summed in spaCy's order: next token, entity start, token before; then the bias.
            scores = self._scores((rows[t, 0] + rows[begin, 1] + rows[t - 1, 2] + self.lower_b)[None])[0]
            may_continue = t < n - 1 and not next_starts[t]  # In needs a token after, in the same sentence
            if may_continue and (scores[inside] > scores[last] or (scores[inside] == scores[last] and inside < last)):
                t += 1
                continue
            return t + 1


def _moves(ner: Any) -> _Moves:
    strings = ner.vocab.strings
    labels, begin, unit, inside, last = [], [], [], {}, {}
    out = -1
    for i in range(ner.moves.n_moves):
        move, _, name = ner.moves.get_class_name(i).partition("-")
        label = int(strings.add(name)) if name else 0
        labels.append(label)
        if move == _OUT:
            out = i
        elif not label:
            continue  # a move without a label is valid only on preset entities
        elif move == _BEGIN:
            begin.append(i)
        elif move == _UNIT:
            unit.append(i)
        elif move == _IN:
            inside[label] = i
        elif move == _LAST:
            last[label] = i
    if out < 0 or set(inside) != set(last) or not begin:
        raise ValueError("not a BILUO entity recogniser")
    return _Moves(labels, np.array(begin), np.array(unit), frozenset(unit), out, inside, last)
