"""The spaCy pipeline: entities and sentences for all, dependency parses on demand."""

from __future__ import annotations

from dateline.analyze import nlp


def test_parse_has_entities_and_sentences_but_no_parse() -> None:
    doc = nlp.parse("Volodymyr Zelensky spoke in Kyiv. Officials said 30 towns were retaken.")
    assert [e.text for e in doc.ents if e.label_ == "PERSON"] == ["Volodymyr Zelensky"]
    assert len(list(doc.sents)) == 2
    assert not doc.has_annotation("DEP")


def test_parsed_sentence_maps_back_to_document_offsets() -> None:
    text = "The weather was fine. Officials said that 30 towns were retaken."
    doc = nlp.parse(text)
    sent = list(doc.sents)[1]
    sdoc = nlp.parsed(sent)
    said = next(t for t in sdoc if t.lemma_ == "say")
    assert [c.dep_ for c in said.children if c.dep_ == "ccomp"] == ["ccomp"]
    assert doc[sent.start + said.i].text == "said"
    assert text[sent.start_char + said.idx:sent.start_char + said.idx + 4] == "said"
    assert nlp.parsed(sent) is sdoc  # cached on the Doc


def test_line_breaks_end_sentences() -> None:
    doc = nlp.parse("Headline without a stop\nThe body starts here and goes on.")
    assert [s.text.strip() for s in doc.sents] == ["Headline without a stop", "The body starts here and goes on."]


def test_parse_many_keeps_order_and_skips_empty() -> None:
    from dateline.records import Article

    arts = [Article(id=str(i), source="t", text=t) for i, t in enumerate(["One here.", "  ", "Two there."])]
    got = list(nlp.parse_many(arts, batch_size=2))
    assert [a.id for a, _ in got] == ["0", "1", "2"]
    assert got[1][1] is None and got[2][1].text == "Two there."


def test_sentence_docs_match_span_as_doc() -> None:
    text = "KYIV, Sept. 10 (Reuters) – President Volodymyr Zelensky spoke.\nHe visited New York City today."
    doc = nlp.parse(text)
    sents = list(doc.sents)
    for sent, mine in zip(sents, nlp._sentence_docs(doc, sents)):
        ref = sent.as_doc()
        assert [(t.text, t.idx, t.tag_, t.lemma_, t.ent_iob_, t.ent_type_) for t in mine] == [
            (t.text, t.idx, t.tag_, t.lemma_, t.ent_iob_, t.ent_type_) for t in ref
        ]


def test_fast_rules_and_lemmas_equal_spacys_components(seed_article) -> None:
    """The dictionary-based attribute rules and lemma table give what spaCy's own components give."""
    pipe = nlp.pipeline()
    texts = [seed_article.text, "Y'all ain't gonna get it. Let's see, c'mon: it gets better, he got it.\n\n  Fine."]
    texts += texts  # the second time, the rules for each distinct token come from their memo
    ours = list(pipe.pipe(texts))
    with pipe.select_pipes(disable=["dateline_attribute_rules", "dateline_lemmas"]):
        pipe.enable_pipe("attribute_ruler")
        pipe.enable_pipe("lemmatizer")
        try:
            ref = list(pipe.pipe(texts))
        finally:
            pipe.disable_pipe("attribute_ruler")
            pipe.disable_pipe("lemmatizer")

    def view(doc):
        return [(t.text, t.pos_, t.tag_, t.lemma_, str(t.morph)) for t in doc]
    assert [view(d) for d in ours] == [view(d) for d in ref]
    lemmas = {t[0]: t[3] for t in view(ours[1])}
    assert lemmas["ai"] == "be" and lemmas["gon"] == "go" and lemmas["'s"] == "us"  # the multi-token rules ran


def test_numpy_entity_decoder_equals_spacys_ner(seed_article, shared_dir) -> None:
    """The NumPy decoder (analyze/ner.py) finds exactly the entities spaCy's own ``ner`` finds,
    from the same model: on the seed, on real news pages, and on degenerate text."""
    import gzip

    from spacy.attrs import ENT_IOB, ENT_TYPE

    from dateline.extract import extract
    from dateline.records import RawDoc

    pages = sorted((shared_dir / "bench" / "extraction" / "html").glob("*.html.gz"))[:40]
    texts = [seed_article.text]
    for page in pages:
        try:
            texts.append(extract(RawDoc(source=page.name, content=gzip.decompress(page.read_bytes()), kind="html")).text)
        except Exception:
            continue  # a page that does not extract is not this test's subject
    texts += ["", " ", "Paris", "\n\n", "New York City", "IBM\n\nJoe Biden went to New\nYork.  Then  Kyiv. " * 3,
              "🙂 Barack Obama 🙂", "the end of United"]
    pipe = nlp.pipeline()
    assert "dateline_ner" in pipe.pipe_names and "ner" in pipe.disabled
    # One text per batch, as the pipeline runs (nlp.parse_many): the int8 window encoders
    # quantise their input with one scale, so a batch's texts would shift each other's.
    ours = list(pipe.pipe(texts, batch_size=1))
    with pipe.select_pipes(disable=["dateline_ner"]):
        pipe.enable_pipe("ner")
        try:
            ref = list(pipe.pipe(texts, batch_size=1))
        finally:
            pipe.disable_pipe("ner")
    assert sum(len(d.ents) for d in ref) > 1000  # real pages, many entities
    for mine, theirs in zip(ours, ref):
        assert [(e.start, e.end, e.label_) for e in mine.ents] == [(e.start, e.end, e.label_) for e in theirs.ents]
        assert mine.to_array([ENT_IOB, ENT_TYPE]).tolist() == theirs.to_array([ENT_IOB, ENT_TYPE]).tolist()


def test_matrix_products_float_as_thincs_blis_and_int8_close_to_it(seed_article, shared_dir) -> None:
    """The pipeline multiplies through NumPy's BLAS (nlp._use_matmul): in float, tags,
    sentences, entities and on-demand parses are those of thinc's own BLIS products; with
    the window encoders in int8 (as shipped) a few tags, entities and arcs differ."""
    import gzip

    from thinc.api import NumpyOps

    from dateline.analyze.int8 import fast_int8
    from dateline.extract import extract
    from dateline.records import RawDoc

    texts = [seed_article.text]
    for page in sorted((shared_dir / "bench" / "extraction" / "html").glob("*.html.gz"))[40:60]:
        try:
            texts.append(extract(RawDoc(source=page.name, content=gzip.decompress(page.read_bytes()), kind="html")).text)
        except Exception:
            continue  # a page that does not extract is not this test's subject
    pipe = nlp.pipeline()
    nodes = [node for _, c in pipe.components if getattr(c, "model", None) is not None for node in c.model.walk()]
    assert {type(node.ops).__name__ for node in nodes} == {"MatmulOps"}

    def view(doc):
        sents = list(doc.sents)
        nlp.parse_sentences(doc, sents)
        return ([(t.tag_, t.is_sent_start, t.ent_iob_, t.ent_type_) for t in doc],
                [[(t.head.i, t.dep_) for t in nlp.parsed(s)] for s in sents])

    def with_ops(ops):
        """The pipeline with ``ops`` everywhere, the window encoders run by thinc (not fused)."""
        saved = [node.ops for node in nodes]
        fused = nlp.fused_encoders(pipe)
        try:
            for node in nodes:
                node.ops = ops
            for encoder in fused:
                encoder.node._func = encoder.forward
            return [view(d) for d in pipe.pipe(texts)]
        finally:
            for node, old in zip(nodes, saved):
                node.ops = old
            for encoder in fused:
                encoder.node._func = encoder

    shipped = [view(d) for d in pipe.pipe(texts)]
    float_products = with_ops(nlp.matmul_ops())
    theirs = with_ops(NumpyOps())
    assert sum(len(t[0]) for t in theirs) > 10_000
    assert float_products == theirs
    if not fast_int8():  # a CPU without int8 dot products runs the float model
        assert shipped == theirs
        return
    # The int8 window encoders: a few tags and entity tokens differ, every sentence boundary stays.
    tokens = [(t, u) for ours, blis in zip(shipped, theirs) for t, u in zip(ours[0], blis[0])]
    assert len(tokens) == sum(len(t[0]) for t in theirs)
    assert [t[1] for t, _ in tokens] == [u[1] for _, u in tokens]
    assert 0 < sum(t[0] != u[0] for t, u in tokens) < 0.005 * len(tokens)
    assert sum(t[2:] != u[2:] for t, u in tokens) < 0.01 * len(tokens)  # bench/quotes and geo hold
    arcs = [(a, b) for ours, blis in zip(shipped, theirs) for s, z in zip(ours[1], blis[1]) for a, b in zip(s, z)]
    assert len(arcs) == sum(len(s) for t in theirs for s in t[1])
    assert 0 < sum(a != b for a, b in arcs) < 0.03 * len(arcs)  # 1.8% measured; bench/quotes.py unchanged


def test_sentences_where_equals_a_token_by_token_walk(seed_article) -> None:
    doc = nlp.parse(seed_article.text + "\n\nNothing here. “Quoted,” he said. Hopes rose.")

    def walk(test):
        return [s.start for s in doc.sents if any(test(t.text, t.lemma_) for t in s)]

    def said(text: str, lemma: str) -> bool:
        return lemma == "say" or text == "“"

    found = [s.start for s in nlp.sentences_where(doc, ["ORTH", "LEMMA"], said)]
    assert found == walk(said) and 3 < len(found) < len(list(doc.sents))
    assert nlp.sentences_where(doc, ["LEMMA"], lambda lemma: False) == []
    assert nlp.sentences_where(nlp.parse(""), ["LEMMA"], lambda lemma: True) == []


def test_the_steps_read_parses_made_up_front_in_one_batch(seed_article, monkeypatch) -> None:
    """analyze.parse_wanted parses every sentence a step reads parsed, so the steps parse nothing more."""
    import dateline.analyze as analyze
    from dateline.records import Article

    article = Article(id="seed", source="seed", text=seed_article.text, dateline=seed_article.dateline)
    doc = nlp.parse(article.text)
    new_per_call: list[int] = []
    real = nlp.parse_sentences

    def counting(d, sents):
        sents = list(sents)
        new_per_call.append(sum(s.start not in nlp._cache(d) for s in sents))
        real(d, sents)

    monkeypatch.setattr(nlp, "parse_sentences", counting)
    analyze._run_steps(article, doc)
    assert not article.errors and article.quotes and article.counts and article.events
    assert new_per_call[0] > 5 and len(new_per_call) >= 4 and sum(new_per_call[1:]) == 0
    assert len(nlp._cache(doc)) == new_per_call[0] < len(list(doc.sents))


def test_compiled_parse_loop_equals_spacys_parser(seed_article, shared_dir) -> None:
    """``_greedy`` (spaCy's parse loop compiled without GIL round trips) is built, and every
    head and label it gives equals what spaCy's ``parser.pipe`` gives, on the seed and on
    real news pages, in batches of mixed lengths."""
    import gzip

    from dateline.extract import extract
    from dateline.records import RawDoc

    assert nlp._greedy_parse() is not None, "dateline/analyze/_greedy.pyx is not built: run `make install`"
    texts = [seed_article.text]
    for page in sorted((shared_dir / "bench" / "extraction" / "html").glob("*.html.gz"))[:25]:
        try:
            texts.append(extract(RawDoc(source=page.name, content=gzip.decompress(page.read_bytes()), kind="html")).text)
        except Exception:
            continue  # a page that does not extract is not this test's subject
    parser = nlp.pipeline().get_pipe("parser")
    ours: list[list[tuple[int, str]]] = []
    theirs: list[list[tuple[int, str]]] = []
    for text in texts:
        doc = nlp.parse(text)
        sents = [s for s in doc.sents if len(s)]
        for out, parse in ((ours, lambda d: nlp.dependency_parse(d, batch_size=7)),
                           (theirs, lambda d: list(parser.pipe(d, batch_size=256)))):
            out.extend([(t.head.i, t.dep_) for t in sdoc] for sdoc in parse(nlp._sentence_docs(doc, sents)))
    assert sum(len(s) for s in theirs) > 10000 and len({dep for s in theirs for _, dep in s}) > 30
    assert ours == theirs


def test_chunk_caching_tokenizer_gives_spacys_tokens(seed_article, shared_dir, monkeypatch) -> None:
    """The pipeline's tokenizer (spaCy's, its chunk cache filled chunk by chunk) splits every
    text as a fresh spaCy tokenizer does, and keeps at most ``MAX_CHUNKS`` chunks."""
    import gzip

    from spacy.tokenizer import Tokenizer

    from dateline.extract import extract
    from dateline.records import RawDoc

    caching = nlp.pipeline().tokenizer
    assert isinstance(caching, nlp.ChunkCachingTokenizer)
    texts = [seed_article.text, "Mr. Smith's plan: “U.S.-backed” (Reuters) -- don't.\n\n  Fine :) e-mail x@y.org"]
    for page in sorted((shared_dir / "bench" / "extraction" / "html").glob("*.html.gz"))[:30]:
        try:
            texts.append(extract(RawDoc(source=page.name, content=gzip.decompress(page.read_bytes()), kind="html")).text)
        except Exception:
            continue  # a page that does not extract is not this test's subject
    fresh = Tokenizer(caching.vocab).from_bytes(caching.tokenizer.to_bytes())

    def view(doc):
        return [(t.text, t.idx, t.whitespace_, t.norm_) for t in doc]
    for text in texts + texts:  # the second time, from the cache
        assert view(caching(text)) == view(fresh(text))
    assert len(caching.seen) > 5000 and "Smith's" in caching.seen

    small = nlp.ChunkCachingTokenizer(fresh)
    monkeypatch.setattr(small, "MAX_CHUNKS", 50)
    assert view(small(texts[0])) == view(caching(texts[0])) and len(small.seen) == 50
