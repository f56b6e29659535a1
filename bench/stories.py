"""Story linking accuracy on real articles with generated copies, and clustering throughput.

    .venv/bin/python bench/stories.py                 # pairwise precision / recall (acceptance: P >= 0.99, R >= 0.98)
    .venv/bin/python bench/stories.py --throughput 100000   # docs/s and peak memory for N generated documents

The corpus (bench/make_story_corpus.py) is every real article found under
../shared plus one to four generated copies of each; the real articles are
each other's unrelated same-topic neighbours. Throughput documents are made
from the same real text: real sentences with half their words swapped for
words drawn from the corpus vocabulary (so each document is new), and 30%
copies of earlier ones.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_story_corpus import TRANSFORMS, _paragraphs, build, real_texts  # noqa: E402

from dateline.link import link_corpus  # noqa: E402
from dateline.link.stories import StoryBook  # noqa: E402
from dateline.records import Article  # noqa: E402


# Real articles in the corpus that report the same event from different outlets
# (judged by reading them: the same shooting, arrest, attack, arms sale). They are one
# story in the gold, not unrelated neighbours. Ids only; the texts stay in ../shared.
SAME_EVENT = [("gwn-170", "gwn-172"), ("gwn-288", "gwn-304"), ("gwn-167", "gwn-268"), ("gwn-254", "gwn-255")]


def accuracy(seed: int) -> None:
    docs = build(seed=seed)
    alias = {b: a for a, b in SAME_EVENT}
    for d in docs:
        d.story = alias.get(d.story, d.story)
    t0 = time.perf_counter()
    refs = link_corpus([d.article for d in docs])
    elapsed = time.perf_counter() - t0
    gold = {d.article.id: d.story for d in docs}
    pred = {aid: ref.id for aid, ref in refs.items()}
    tp = fp = fn = 0
    for a, b in combinations(sorted(gold), 2):
        same_gold, same_pred = gold[a] == gold[b], pred[a] == pred[b]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    originals = [d.article.id for d in docs if not d.transforms]
    merged = [(a, b) for a, b in combinations(originals, 2) if pred[a] == pred[b] and gold[a] != gold[b]]
    missed = Counter(t for d in docs if d.transforms and pred[d.article.id] != pred[d.story] for t in d.transforms)
    kinds = Counter(refs[d.article.id].kind for d in docs)
    origin_ok = sum(1 for d in docs if refs[d.article.id].origin == d.story) / len(docs)
    print(f"corpus: {len(originals)} real articles + {len(docs) - len(originals)} generated copies (seed {seed}); "
          f"linked in {elapsed:.1f} s")
    print(f"pairwise precision {p:.4f}  recall {r:.4f}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"same-event real articles (gold) kept together: "
          f"{sum(pred[a] == pred[b] for a, b in SAME_EVENT if a in pred and b in pred)}/{len(SAME_EVENT)}")
    print(f"unrelated real articles merged: {len(merged)} pairs {merged[:5]}")
    print(f"origin = the real article for {origin_ok:.3f} of documents")
    print(f"member kinds: {dict(kinds)}")
    if missed:
        print(f"transforms in copies that were missed: {dict(missed)}")


def _vocabulary(texts: list[str]) -> list[str]:
    words = [w for t in texts for w in re.findall(r"[A-Za-z]{3,}", t)]
    return words  # with repeats: sampling follows the real word frequencies


def generated(n: int, seed: int = 11) -> Iterator[Article]:
    """N documents, made on the fly (only the last 5,000 are kept, as copy sources)."""
    rng = random.Random(seed)
    bodies = [body for _, _, body in real_texts()]
    vocab = _vocabulary(bodies)
    sentences = [s for b in bodies for s in re.split(r"(?<=[.!?])\s+", b) if len(s) > 40]
    docs: deque[Article] = deque(maxlen=5000)
    for i in range(n):
        if docs and rng.random() < 0.3:
            base = rng.choice(docs)
            paras = _paragraphs(base.text)
            for name in rng.sample(sorted(TRANSFORMS), rng.randint(1, 2)):
                paras = TRANSFORMS[name](paras, rng, ["An unrelated headline"])
            doc = Article(id=f"g{i}", source="gen", text="\n\n".join(paras), title=base.title)
            docs.append(doc)
            yield doc
            continue
        paras = []
        for _p in range(rng.randint(4, 9)):
            sent = [
                " ".join(w if rng.random() < 0.5 else rng.choice(vocab) for w in rng.choice(sentences).split())
                for _s in range(rng.randint(1, 3))
            ]
            paras.append(" ".join(sent))
        title = " ".join(rng.choice(vocab) for _ in range(8))
        doc = Article(id=f"g{i}", source="gen", text="\n\n".join(paras), title=title)
        docs.append(doc)
        yield doc


def _timed(docs: Iterator[Article]) -> Iterator[tuple[Article, float]]:
    """Each generated document with the CPU time its generation took (not counted as clustering)."""
    while True:
        c = time.process_time()
        try:
            doc = next(docs)
        except StopIteration:
            return
        yield doc, time.process_time() - c


def throughput(n: int) -> None:
    words = 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    book = StoryBook()  # the database-free core of Linker.add: fingerprint, search, verify, join
    t0, c0 = time.perf_counter(), time.process_time()
    gen_cpu = 0.0
    for k, doc in enumerate(_timed(generated(n)), 1):
        doc, spent = doc
        gen_cpu += spent
        words += len(doc.text.split())
        book.add(doc)
        if k % 10000 == 0:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  {k} docs: {k / (time.perf_counter() - t0):.0f} docs/s wall, "
                  f"{k / (time.process_time() - c0 - gen_cpu):.0f} docs/s CPU, peak RSS {rss:.0f} MB", flush=True)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0 - gen_cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    multi = sum(1 for s in book.stories.values() if s.size > 1)
    print(f"throughput: {n} documents ({words / n:.0f} words avg) clustered incrementally in {elapsed:.1f} s "
          f"= {n / elapsed:.0f} docs/s wall ({cpu:.1f} s CPU = {n / cpu:.0f} docs/s on one core); "
          f"{len(book.stories)} stories ({multi} with copies)")
    print(f"peak RSS {peak:.0f} MB ({rss_before:.0f} MB before clustering: interpreter, libraries, source texts); "
          f"wall time includes generating the documents")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--throughput", type=int, metavar="N", help="time clustering N generated documents instead")
    args = ap.parse_args()
    if args.throughput:
        throughput(args.throughput)
    else:
        accuracy(args.seed)


if __name__ == "__main__":
    main()
