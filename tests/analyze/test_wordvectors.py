"""The memo of spaCy's embedding blocks (analyze/wordvectors.py) changes no output."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from dateline.analyze import nlp, wordvectors

TRICKY = ("Y'all ain't gonna get it. Paris, Paris and PARIS; e-mail: x@y.org\n\n"
          "  He said: \"It isn't over\" - U.S. officials, 1,200 km away.\tTabs\u00a0too 🙂")


@pytest.fixture(scope="module")
def texts(seed_article, shared_dir) -> list[str]:
    from dateline.extract import extract
    from dateline.records import RawDoc

    out = [seed_article.text, TRICKY]
    for page in sorted((shared_dir / "bench" / "extraction" / "html").glob("*.html.gz"))[60:75]:
        try:
            out.append(extract(RawDoc(source=page.name, content=gzip.decompress(page.read_bytes()), kind="html")).text)
        except Exception:
            continue  # a page that does not extract is not this test's subject
    return out


def _memos() -> list[wordvectors.EmbeddingMemo]:
    pipe = nlp.pipeline()
    return [block._func for _, c in pipe.components if getattr(c, "model", None) is not None
            for block in wordvectors.embedding_blocks(c.model)]


def test_every_embedding_block_of_the_pipeline_is_memoised() -> None:
    memos = _memos()
    assert len(memos) == 3  # tok2vec, the NER's own token-vector model, senter
    assert all(isinstance(m, wordvectors.EmbeddingMemo) for m in memos)
    from spacy.attrs import NORM, ORTH, SPACY

    # The key: the word, and the columns its lexeme does not fix (a tokenizer exception's
    # norm, a following space); prefix, suffix and shape are the word's.
    assert {tuple(m.columns) for m in memos} == {(ORTH, NORM, SPACY), (ORTH, NORM)}


def test_memoised_blocks_give_the_blocks_own_output(texts) -> None:
    pipe = nlp.pipeline()
    for memo in _memos():
        for text in texts + texts[:3]:  # the second time, every word comes from the memo
            doc = pipe.make_doc(text)
            got = memo.block.predict([doc])[0]
            own = memo.forward(memo.block, [doc], False)[0][0]
            assert got.shape == own.shape == (len(doc), memo.width)
            assert np.allclose(got, own, rtol=0, atol=1e-5)
        assert 0 < len(memo) <= memo.capacity


def test_a_full_memo_still_gives_the_blocks_output(texts) -> None:
    pipe = nlp.pipeline()
    block = _memos()[0].block
    memo = wordvectors.EmbeddingMemo(block, ["NORM", "PREFIX", "SUFFIX", "SHAPE", "SPACY"], 65, capacity=40)
    for text in texts[:4]:
        doc = pipe.make_doc(text)
        got, _ = memo(block, [doc], False)
        own = memo.forward(block, [doc], False)[0][0]
        assert np.allclose(got[0], own, rtol=0, atol=1e-5)
    assert len(memo) == 40
    with pytest.raises(NotImplementedError):  # inference only
        memo(block, [pipe.make_doc("Training.")], False)[1](None)


def test_tags_entities_and_sentences_are_those_without_the_memo(texts) -> None:
    pipe = nlp.pipeline()

    def view():
        return [[(t.tag_, t.is_sent_start, t.ent_iob_, t.ent_type_) for t in doc]
                for doc in pipe.pipe(texts, batch_size=1)]

    memoised = view()
    memos = _memos()
    try:
        for memo in memos:
            memo.block._func = memo.forward
        plain = view()
    finally:
        for memo in memos:
            memo.block._func = memo
    assert sum(len(d) for d in plain) > 5_000
    assert memoised == plain
