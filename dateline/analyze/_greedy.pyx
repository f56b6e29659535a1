# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, infer_types=True
"""spaCy's greedy dependency-parse loop, compiled here without the GIL round trips.

The transition parser's loop (``Parser._parseC``) scores every unfinished sentence's
state, then takes its best valid transition, until all are final. spaCy 3.8's
compiled loop takes and drops the GIL again and again in its ``nogil`` section: its
scoring function (``predict_states``) holds ``PyGILState_Ensure``/``Release`` pairs in
its per-state loops, the exception checks Cython adds after calling a helper not
declared ``noexcept``. Each is a mutex round trip; perf put ``take_gil``, ``drop_gil``
and ``pthread_mutex_lock`` at about 40% of the parse.

This is the same loop, step for step: the same features, summed in the same order, the
same matrix product (``thinc``'s ``CBlas`` sgemm, as spaCy calls it), the same
tie-breaking, the same transitions. The parses are identical (tests/analyze/
test_nlp.py checks every head and label against spaCy's own on bench sentences);
the loop takes 60% of the time. ``nlp.dependency_parse`` falls back to spaCy's
``parser.pipe`` when this module is not built.
"""
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy, memset
from libcpp.vector cimport vector
from thinc.backends.cblas cimport CBlas, sgemm

from spacy.ml.parser_model cimport SizesC, WeightsC, get_c_sizes, get_c_weights
from spacy.pipeline._parser_internals._state cimport StateC
from spacy.pipeline._parser_internals.stateclass cimport StateClass
from spacy.pipeline._parser_internals.transition_system cimport Transition, TransitionSystem

from thinc.api import set_dropout_rate


cdef struct Buffers:
    int* token_ids
    float* unmaxed
    float* hiddens
    float* scores
    int* is_valid


cdef int _arg_max(const float* x, int n) noexcept nogil:
    if n == 2:
        return 0 if x[0] > x[1] else 1
    cdef int i, best = 0
    cdef float mode = x[0]
    for i in range(1, n):
        if x[i] > mode:
            mode = x[i]
            best = i
    return best


cdef int _arg_max_if_valid(const float* scores, const int* is_valid, int n) noexcept nogil:
    cdef int i, best = -1
    for i in range(n):
        if is_valid[i] >= 1:
            if best == -1 or scores[i] > scores[best]:
                best = i
    return best


cdef void _add(float* x, const float* y, int n) noexcept nogil:
    cdef int i
    for i in range(n):
        x[i] += y[i]


cdef void _scores(CBlas cblas, Buffers* A, StateC** states, const WeightsC* W, SizesC n) noexcept nogil:
    cdef int i, j, f, index, which
    cdef int width = n.hiddens * n.pieces
    cdef const float* feature
    cdef const float* padding = W.feat_weights
    cdef const float* cached = W.feat_weights + n.feats * width
    cdef int* ids
    cdef float min_
    for i in range(n.states):
        states[i].set_context_tokens(&A.token_ids[i * n.feats], n.feats)
    memset(A.unmaxed, 0, n.states * width * sizeof(float))
    memset(A.hiddens, 0, n.states * n.hiddens * sizeof(float))
    for i in range(n.states):
        ids = &A.token_ids[i * n.feats]
        for f in range(n.feats):
            if ids[f] < 0:
                feature = &padding[f * width]
            else:
                feature = &cached[ids[f] * n.feats * width + f * width]
            _add(&A.unmaxed[i * width], feature, width)  # spaCy: BLIS's saxpy with alpha 1, the same sums
    for i in range(n.states):
        _add(&A.unmaxed[i * width], W.feat_bias, width)
        for j in range(n.hiddens):
            index = i * width + j * n.pieces
            which = _arg_max(&A.unmaxed[index], n.pieces)
            A.hiddens[i * n.hiddens + j] = A.unmaxed[index + which]
    memset(A.scores, 0, n.states * n.classes * sizeof(float))
    if W.hidden_weights == NULL:
        memcpy(A.scores, A.hiddens, n.states * n.classes * sizeof(float))
    else:
        sgemm(cblas)(False, True, n.states, n.classes, n.hiddens, 1.0, <const float*>A.hiddens, n.hiddens,
                     <const float*>W.hidden_weights, n.hiddens, 0.0, A.scores, n.classes)
        for i in range(n.states):
            _add(&A.scores[i * n.classes], W.hidden_bias, n.classes)
    min_ = A.scores[0]
    for i in range(1, n.states * n.classes):
        if A.scores[i] < min_:
            min_ = A.scores[i]
    for i in range(n.states):
        for j in range(n.classes):
            if not W.seen_classes[j]:
                A.scores[i * n.classes + j] = min_


cdef void _parse(TransitionSystem moves, CBlas cblas, StateC** states, WeightsC weights, SizesC sizes) noexcept nogil:
    cdef Buffers A
    cdef int i, guess, left
    cdef Transition action
    A.token_ids = <int*>calloc(sizes.states * sizes.feats, sizeof(int))
    A.unmaxed = <float*>calloc(sizes.states * sizes.hiddens * sizes.pieces, sizeof(float))
    A.hiddens = <float*>calloc(sizes.states * sizes.hiddens, sizeof(float))
    A.scores = <float*>calloc(sizes.states * sizes.classes, sizeof(float))
    A.is_valid = <int*>calloc(moves.n_moves, sizeof(int))
    while sizes.states >= 1:
        _scores(cblas, &A, states, &weights, sizes)
        for i in range(sizes.states):
            moves.set_valid(A.is_valid, states[i])
            guess = _arg_max_if_valid(&A.scores[i * sizes.classes], A.is_valid, sizes.classes)
            if guess == -1:
                states[i].force_final()
            else:
                action = moves.c[guess]
                action.do(states[i], action.label)
        left = 0
        for i in range(sizes.states):
            if not states[i].is_final():
                states[left] = states[i]
                left += 1
        sizes.states = left
    free(A.token_ids)
    free(A.unmaxed)
    free(A.hiddens)
    free(A.scores)
    free(A.is_valid)


def greedy_parse(parser, docs):
    """``parser.greedy_parse(docs)`` (spaCy's ``Parser``, beam width 1): the parse
    states, for ``parser.set_annotations(docs, states)``."""
    cdef vector[StateC*] states
    cdef StateClass state
    cdef CBlas cblas = parser.model.ops.cblas()
    cdef TransitionSystem moves = parser.moves
    parser._ensure_labels_are_added(docs)
    set_dropout_rate(parser.model, 0.0)
    batch = moves.init_batch(docs)
    model = parser.model.predict(docs)
    cdef WeightsC weights = get_c_weights(model)
    for state in batch:
        if not state.is_final():
            states.push_back(state.c)
    cdef SizesC sizes = get_c_sizes(model, states.size())
    if states.size():
        with nogil:
            _parse(moves, cblas, &states[0], weights, sizes)
    model.clear_memory()
    del model
    return batch
