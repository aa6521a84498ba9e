#!/usr/bin/env python3
"""The seed's PersistentClient demo, on OchreDB through chromadb's API (`import ochredb as chromadb`).

Five parts, after a look at what a previous run left: (1) client initialisation with error handling,
a bad path included; (2) a collection of documents with metadata, and queries on it; (3) persistence
across a restart: a fresh process opens the same path and must see the same count and answers;
(4) the cleanup utility: reset the database and recreate it; (5) the same workload (10,000 documents
in batches, 1,000 queries) on an ephemeral and a persistent client, timed side by side.

Usage: persistent_client_demo.py [--path DIR] [--docs N] [--queries N]   (default ./chroma_db)
Exits non-zero when a check fails. Run it twice: the second run shows the first run's data.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from _common import Checks, child_env, import_ochredb

chromadb = import_ochredb()
from ochredb import errors  # noqa: E402
from ochredb.utils.embedding_functions import HashingEmbeddingFunction  # noqa: E402

# Chosen explicitly so the examples run without the all-MiniLM-L6-v2 model (ochredb's default, as
# chromadb's; install it with `ochre model pull` and pass DefaultEmbeddingFunction() to use it).
EF = HashingEmbeddingFunction()
print("embedding function: ochre_hashing (needs no model; the default all-MiniLM-L6-v2 needs `ochre model pull`)")

DEMO_COLLECTION = "demo_docs"
PERF_COLLECTION = "perf"
checks = Checks()

SAMPLES = [
    ("sci-1", "The James Webb Space Telescope captured infrared images of distant galaxies.", "science", 2022),
    ("sci-2", "CRISPR gene editing lets scientists modify DNA sequences with precision.", "science", 2012),
    ("sci-3", "Quantum computers use qubits that can exist in superposition.", "science", 2019),
    ("sci-4", "The Higgs boson was observed at the Large Hadron Collider.", "science", 2012),
    ("tech-1", "Python is a popular programming language for data science and machine learning.", "technology", 2023),
    ("tech-2", "Vector databases store embeddings and answer nearest-neighbour queries.", "technology", 2024),
    ("tech-3", "SQLite is an embedded SQL database engine used in billions of devices.", "technology", 2000),
    ("tech-4", "Rust and C++ give programmers control over memory layout and performance.", "technology", 2015),
    ("cook-1", "A sourdough starter needs flour, water and a few days of patience.", "cooking", 2020),
    ("cook-2", "Fresh basil, garlic, pine nuts and olive oil make a classic pesto.", "cooking", 2018),
    ("cook-3", "Slow-cooked tomato sauce gets sweeter the longer it simmers.", "cooking", 2016),
    ("cook-4", "Cast iron pans hold heat well and are perfect for searing steak.", "cooking", 2021),
]
QUERIES = [("space telescope galaxies", None), ("database engine", {"category": "technology"})]


def heading(title: str) -> None:
    print(f"\n=== {title} ===")


def part0_previous_run(path: str) -> None:
    heading("Part 0: what is already in the database")
    if not os.path.exists(path):
        print(f"  {path} does not exist yet: this is the first run.")
        return
    client = chromadb.PersistentClient(path=path)
    collections = client.list_collections()
    if not collections:
        print("  The database is empty.")
    for c in collections:
        print(f"  collection {c.name!r}: {c.count()} records, metadata {c.metadata}")
    client.close()


def part1_init(path: str):
    heading("Part 1: client initialisation with error handling")
    client = None
    try:
        client = chromadb.PersistentClient(path=path, settings=chromadb.Settings(allow_reset=True))
        print(f"  opened {path!r}: heartbeat {client.heartbeat()}, version {client.get_version()}")
    except PermissionError as e:
        print(f"  cannot use {path!r}: {e}")
    except errors.ChromaError as e:
        print(f"  cannot open {path!r}: {type(e).__name__}: {e}")
    checks.check(client is not None, "the client opened")
    # The seed's error handling: a path the process cannot create is reported, not a crash.
    bad_path = "/proc/ochredb-demo/cannot-exist"
    try:
        chromadb.PersistentClient(path=bad_path)
        checks.check(False, f"a bad path ({bad_path}) is refused")
    except PermissionError as e:
        checks.check(True, f"a bad path is refused with PermissionError: {e}")
    with tempfile.NamedTemporaryFile() as f:
        try:
            chromadb.PersistentClient(path=f.name)
            checks.check(False, "a regular file as the path is refused")
        except OSError as e:
            checks.check(True, f"a regular file as the path is refused with {type(e).__name__}: {e}")
    return client


def run_queries(collection):
    answers = []
    for text, where in QUERIES:
        r = collection.query(query_texts=[text], n_results=3, where=where)
        answers.append(r["ids"][0])
    return answers


def part2_collection(client):
    heading("Part 2: create a collection, add documents with metadata, query")
    collection = client.get_or_create_collection(DEMO_COLLECTION, embedding_function=EF, metadata={"description": "seed demo documents"})
    existing = collection.count()
    collection.upsert(
        ids=[s[0] for s in SAMPLES],
        documents=[s[1] for s in SAMPLES],
        metadatas=[{"category": s[2], "year": s[3]} for s in SAMPLES],
    )
    print(f"  {DEMO_COLLECTION!r}: {existing} records before, {collection.count()} after the upsert")
    checks.check(collection.count() == len(SAMPLES), f"the collection holds {len(SAMPLES)} documents")
    answers = run_queries(collection)
    for (text, where), ids in zip(QUERIES, answers):
        print(f"  query {text!r} where={where}: {ids}")
    checks.check(answers[0][0] == "sci-1", "the telescope query finds the telescope document first")
    checks.check(all(i.startswith("tech-") for i in answers[1]), "the filtered query returns technology only")
    recent = collection.get(where={"year": {"$gte": 2020}}, include=["metadatas"])
    print(f"  documents from 2020 on: {recent['ids']}")
    expected = [s[0] for s in SAMPLES if s[3] >= 2020]
    checks.check(recent["ids"] == expected, f"the {len(expected)} documents from 2020 on, in insertion order")
    return answers


CHILD = r"""
import json, sys
import ochredb as chromadb
client = chromadb.PersistentClient(path=sys.argv[1])
c = client.get_collection(sys.argv[2])
queries = json.loads(sys.argv[3])
answers = [c.query(query_texts=[t], n_results=3, where=w)["ids"][0] for t, w in queries]
print(json.dumps({"count": c.count(), "answers": answers}))
"""


def part3_restart(path: str, client, answers) -> None:
    heading("Part 3: persistence across a restart")
    count = client.get_collection(DEMO_COLLECTION).count()
    client.close()  # releases the files and connections this client had open
    r = subprocess.run(
        [sys.executable, "-c", CHILD, path, DEMO_COLLECTION, json.dumps(QUERIES)],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    if r.returncode != 0:
        checks.check(False, f"a fresh process opened the database: {r.stderr.strip()}")
        return
    seen = json.loads(r.stdout)
    print(f"  a fresh process (pid other than {os.getpid()}) sees {seen['count']} records")
    checks.check(seen["count"] == count, "the same count after the restart")
    checks.check(seen["answers"] == answers, "the same query answers after the restart")


def part4_reset(path: str) -> None:
    heading("Part 4: cleanup utility (reset and recreate)")
    try:
        chromadb.PersistentClient(path=path).reset()
        checks.check(False, "reset is refused without allow_reset")
    except errors.ChromaError as e:
        checks.check(True, f"reset is refused without allow_reset ({type(e).__name__})")
    client = chromadb.PersistentClient(path=path, settings=chromadb.Settings(allow_reset=True))
    before = client.count_collections()
    client.reset()
    checks.check(client.count_collections() == 0, f"reset removed all {before} collection(s)")
    c = client.create_collection(DEMO_COLLECTION, embedding_function=EF, metadata={"description": "seed demo documents"})
    c.add(
        ids=[s[0] for s in SAMPLES],
        documents=[s[1] for s in SAMPLES],
        metadatas=[{"category": s[2], "year": s[3]} for s in SAMPLES],
    )
    checks.check(c.count() == len(SAMPLES), "the collection was recreated and refilled")
    client.close()


WORDS = (
    "vector search index query embedding database record document metadata filter cosine distance "
    "neighbour graph persist disk memory batch latency throughput python engine storage commit"
).split()


def make_docs(n: int, seed: int):
    rng = random.Random(seed)
    docs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) for _ in range(n)]
    metas = [{"bucket": i % 10, "even": i % 2 == 0} for i in range(n)]
    return docs, metas


def workload(client, docs, metas, n_queries: int, batch: int):
    try:
        client.delete_collection(PERF_COLLECTION)
    except errors.NotFoundError:
        pass
    c = client.create_collection(PERF_COLLECTION, embedding_function=EF)
    t0 = time.perf_counter()
    for i in range(0, len(docs), batch):
        c.add(
            ids=[f"doc-{j}" for j in range(i, min(i + batch, len(docs)))],
            documents=docs[i : i + batch],
            metadatas=metas[i : i + batch],
        )
    t_add = time.perf_counter() - t0
    rng = random.Random(7)
    t0 = time.perf_counter()
    hits = 0
    for q in range(n_queries):
        where = {"bucket": q % 10} if q % 4 == 0 else None
        r = c.query(query_texts=[docs[rng.randrange(len(docs))]], n_results=5, where=where)
        hits += len(r["ids"][0])
    t_query = time.perf_counter() - t0
    return c.count(), t_add, t_query, hits


def part5_performance(path: str, n_docs: int, n_queries: int) -> None:
    heading("Part 5: performance, ephemeral vs persistent")
    docs, metas = make_docs(n_docs, seed=42)
    batch = 500
    results = {}
    eph = chromadb.EphemeralClient()
    results["ephemeral"] = workload(eph, docs, metas, n_queries, batch)
    eph.delete_collection(PERF_COLLECTION)
    per = chromadb.PersistentClient(path=path)
    results["persistent"] = workload(per, docs, metas, n_queries, batch)
    per.close()
    print(f"  {n_docs} documents added in batches of {batch}, then {n_queries} text queries (n_results=5)")
    print(f"  {'client':<12}{'add (s)':>10}{'docs/s':>12}{'query (s)':>12}{'ms/query':>11}")
    for kind, (count, t_add, t_query, _) in results.items():
        print(
            f"  {kind:<12}{t_add:>10.3f}{count / t_add:>12.0f}{t_query:>12.3f}{1000 * t_query / n_queries:>11.3f}"
        )
        checks.check(count == n_docs, f"{kind}: {count} records stored")
    checks.check(results["ephemeral"][3] == results["persistent"][3], "both clients return the same number of hits")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="./chroma_db")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    path = os.path.abspath(args.path)

    part0_previous_run(path)
    client = part1_init(path)
    if client is None:
        return 1
    answers = part2_collection(client)
    part3_restart(path, client, answers)
    part4_reset(path)
    part5_performance(path, args.docs, args.queries)
    print(f"\n  {checks.failures} failed check(s). Run again to see this run's data in part 0.")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
