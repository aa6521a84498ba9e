#!/usr/bin/env python3
"""Hybrid search latency through ochredb (issue 14): dense, BM25 and their fusion, in one run.

    PYTHONPATH=build/python /usr/bin/python3 bench/search/hybrid_bench.py [--n 100000] [--queries 300]

One persistent collection of N synthetic documents: T topics, each a centre in 384 dimensions and
a Zipf-weighted share of a 20,000-word vocabulary, so that a document's embedding (its topic's
centre plus noise) and its words agree, as with real text. The schema gives the collection a BM25
sparse index on "bm25" computed from the documents (ChromaBm25EmbeddingFunction), as chromadb's
hybrid-search guide does. Queries are a topic's centre plus noise and four of its words.

Measured per query, after the graph has caught up, on one thread:
- query: collection.query(query_embeddings, n_results=10), the plain dense path;
- search dense: Search().rank(Knn(query=vector)).limit(10);
- search bm25: Search().rank(Knn(query=text, key="bm25")).limit(10);
- search hybrid: Rrf of the two Knns (return_rank, default) limit 10;
- hybrid + filter: the same with a metadata where.
Prints p50 / p99 (ms) for each and, for hybrid, how often its top 10 holds the query's own topic.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=100_000, help="documents")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--topics", type=int, default=200)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--words", type=int, default=40, help="words per document")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default=None, help="database directory (default: a temporary one)")
    return p.parse_args()


class Corpus:
    """Synthetic topical documents and their embeddings (deterministic for a seed)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.rng = np.random.default_rng(args.seed)
        self.args = args
        vocab = 20_000
        self.vocab = [self._word(i) for i in range(vocab)]
        spectrum = (1.0 + np.arange(args.dim)) ** -0.25
        self.centres = self._unit(self.rng.normal(size=(args.topics, args.dim)) * spectrum)
        # Each topic favours 300 words (Zipf within them); every document also draws common words.
        self.topic_words = [self.rng.choice(vocab, size=300, replace=False) for _ in range(args.topics)]
        zipf = 1.0 / np.arange(1, 301)
        self.topic_p = zipf / zipf.sum()
        common = 1.0 / np.arange(1, vocab + 1)
        self.common_p = common / common.sum()

    def _word(self, i: int) -> str:
        letters = "abcdefghijklmnopqrstuvwxyz"
        w, i = "", i + 26 * 27
        while i:
            w, i = letters[i % 26] + w, i // 26
        return w

    @staticmethod
    def _unit(m: np.ndarray) -> np.ndarray:
        return (m / np.linalg.norm(m, axis=-1, keepdims=True)).astype(np.float32)

    def text(self, topic: int, n_words: int) -> str:
        own = self.rng.choice(self.topic_words[topic], size=n_words // 2, p=self.topic_p)
        common = self.rng.choice(len(self.vocab), size=n_words - n_words // 2, p=self.common_p)
        words = [self.vocab[i] for i in np.concatenate([own, common])]
        self.rng.shuffle(words)
        return " ".join(words)

    def vector(self, topic: int, noise: float) -> np.ndarray:
        v = self.centres[topic] + noise * self.rng.normal(size=self.args.dim).astype(np.float32) / np.sqrt(self.args.dim)
        return self._unit(v)

    def batch(self, start: int, count: int):
        topics = self.rng.integers(0, self.args.topics, size=count)
        ids = [f"d{start + i:07d}" for i in range(count)]
        docs = [self.text(int(t), self.args.words) for t in topics]
        emb = np.stack([self.vector(int(t), 0.6) for t in topics])
        metas = [{"topic": int(t), "year": 2000 + (start + i) % 25} for i, t in enumerate(topics)]
        return ids, emb, docs, metas


def percentile(values, p):
    return float(np.percentile(np.asarray(values), p))


def timed(fn, repeats):
    out = []
    for i in range(repeats):
        t0 = time.perf_counter()
        r = fn(i)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out, r


def main() -> int:
    args = parse_args()
    import ochredb
    from ochredb import K, Knn, Rrf, Schema, Search, SparseVectorIndexConfig, VectorIndexConfig
    from ochredb.utils.embedding_functions import ChromaBm25EmbeddingFunction, HashingEmbeddingFunction

    base = args.dir or tempfile.mkdtemp(prefix="ochre_hybrid_")
    corpus = Corpus(args)
    client = ochredb.PersistentClient(path=os.path.join(base, "db"))
    # Embeddings are given; the dense function is only recorded (hashing: no model needed).
    schema = (
        Schema()
        .create_index(VectorIndexConfig(space="cosine", embedding_function=HashingEmbeddingFunction(args.dim)))
        .create_index(
            SparseVectorIndexConfig(source_key=K.DOCUMENT, embedding_function=ChromaBm25EmbeddingFunction()), key="bm25"
        )
    )
    col = client.create_collection("hybrid", schema=schema, embedding_function=HashingEmbeddingFunction(args.dim))
    add_s = 0.0
    step = 2000
    for start in range(0, args.n, step):
        ids, emb, docs, metas = corpus.batch(start, min(step, args.n - start))
        t0 = time.perf_counter()  # the add alone: generating the corpus in numpy is slower than adding it
        col.add(ids=ids, embeddings=emb, documents=docs, metadatas=metas)
        add_s += time.perf_counter() - t0
        if sys.stderr.isatty():
            print(f"\radded {start + len(ids)}/{args.n}", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    while col.get_indexing_status().op_indexing_progress < 1.0:
        time.sleep(0.5)
    # The sparse index is built from the stored vectors on a collection's first sparse query after
    # opening (not at open): time that once, apart from the steady state below.
    client.close()
    client = ochredb.PersistentClient(path=os.path.join(base, "db"))
    col = client.get_collection("hybrid", embedding_function=HashingEmbeddingFunction(args.dim))
    t0 = time.perf_counter()
    col.search(Search().rank(Knn(query=corpus.text(0, 4), key="bm25")).limit(10))
    first_sparse_ms = (time.perf_counter() - t0) * 1000.0

    topics = corpus.rng.integers(0, args.topics, size=args.queries)
    qvec = [corpus.vector(int(t), 0.8) for t in topics]
    qtext = [corpus.text(int(t), 4) for t in topics]
    knn_d = lambda i: Knn(query=qvec[i], limit=100, return_rank=True, default=100)  # noqa: E731
    knn_s = lambda i: Knn(query=qtext[i], key="bm25", limit=100, return_rank=True, default=100)  # noqa: E731
    cases = {
        "query (dense)": lambda i: col.query(query_embeddings=[qvec[i]], n_results=10),
        "search dense": lambda i: col.search(Search().rank(Knn(query=qvec[i])).limit(10).select(K.SCORE)),
        "search bm25": lambda i: col.search(Search().rank(Knn(query=qtext[i], key="bm25")).limit(10).select(K.SCORE)),
        "search hybrid (rrf)": lambda i: col.search(Search().rank(Rrf([knn_d(i), knn_s(i)])).limit(10).select("topic")),
        "hybrid + where": lambda i: col.search(
            Search().where(K("year") >= 2012).rank(Rrf([knn_d(i), knn_s(i)])).limit(10).select("topic")
        ),
    }
    print(f"{args.n} documents x {args.dim} (cosine), {args.topics} topics, {args.words} words each; "
          f"add {args.n / add_s:,.0f} docs/s (with BM25 vectors computed in Python's add)")
    print(f"first sparse query after reopening (builds the sparse index): {first_sparse_ms:,.0f} ms")
    print(f"{'operation':<22} {'p50 ms':>8} {'p99 ms':>8}")
    for name, fn in cases.items():
        fn(0)  # warm
        lat, _ = timed(fn, args.queries)
        print(f"{name:<22} {percentile(lat, 50):8.2f} {percentile(lat, 99):8.2f}")
    hits = []
    for i in range(min(100, args.queries)):
        r = col.search(Search().rank(Rrf([knn_d(i), knn_s(i)])).limit(10).select("topic"))
        hits.append(statistics.mean(float(m["topic"] == int(topics[i])) for m in r["metadatas"][0]))
    print(f"hybrid top-10 on the query's topic: {statistics.mean(hits):.3f}")
    client.close()
    if args.dir is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
