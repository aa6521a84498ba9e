#!/usr/bin/env python3
"""The seed's eight examples, written for chromadb's API and run on OchreDB (`import ochredb as chromadb`):

 1. basic setup               5. metadata and filtering
 2. error handling            6. batch operations
 3. collection CRUD           7. update and delete
 4. persistence verification  8. custom embedding function

Usage: examples.py [--path DIR] [--only N]   (default: a fresh temporary directory)
Each example works in its own subdirectory of DIR. Exits non-zero when a check fails.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from _common import Checks, child_env, import_ochredb

chromadb = import_ochredb()
from ochredb import errors  # noqa: E402
from ochredb.utils.embedding_functions import HashingEmbeddingFunction  # noqa: E402

# Chosen explicitly so the examples run without the all-MiniLM-L6-v2 model (ochredb's default, as
# chromadb's; install it with `ochre model pull` and pass DefaultEmbeddingFunction() to use it).
EF = HashingEmbeddingFunction()
print("embedding function: ochre_hashing (needs no model; the default all-MiniLM-L6-v2 needs `ochre model pull`)")

checks = Checks()


def example_1_basic_setup(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    print(f"  heartbeat: {client.heartbeat()} ns, version {client.get_version()}")
    collection = client.get_or_create_collection("quickstart", embedding_function=EF)
    collection.add(
        ids=["doc1", "doc2", "doc3"],
        documents=[
            "This is a document about pineapple",
            "This is a document about oranges",
            "This is a document about cars and engines",
        ],
    )
    results = collection.query(query_texts=["This is a query document about hawaii fruit"], n_results=2)
    print(f"  query results: {results['ids'][0]} at distances {[round(d, 3) for d in results['distances'][0]]}")
    checks.check(collection.count() == 3, "three documents stored")
    checks.check("doc3" not in results["ids"][0], "the fruit query does not return the car document")
    client.close()


def example_2_error_handling(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    try:
        client.get_collection("does-not-exist")
        checks.check(False, "a missing collection raises")
    except errors.NotFoundError as e:
        checks.check(True, f"NotFoundError: {e}")
    client.create_collection("errors-demo", embedding_function=None)
    try:
        client.create_collection("errors-demo", embedding_function=EF)
        checks.check(False, "creating an existing collection raises")
    except errors.UniqueConstraintError as e:
        checks.check(True, f"UniqueConstraintError: {e}")
    c = client.get_collection("errors-demo")
    try:
        c.add(ids=["a", "a"], embeddings=[[1.0, 2.0], [3.0, 4.0]])
        checks.check(False, "duplicate ids in one batch raise")
    except errors.DuplicateIDError as e:
        checks.check(True, f"DuplicateIDError: {e}")
    c.add(ids=["a"], embeddings=[[1.0, 2.0]])
    try:
        c.add(ids=["b"], embeddings=[[1.0, 2.0, 3.0]])
        checks.check(False, "a wrong dimension raises")
    except errors.InvalidArgumentError as e:
        checks.check(True, f"InvalidArgumentError: {e}")
    try:
        c.query(query_embeddings=[[1.0, 2.0]], n_results=0)
        checks.check(False, "n_results=0 raises")
    except TypeError as e:
        checks.check(True, f"TypeError: {e}")
    try:
        c.get(where={"price": {"$gt": "cheap"}})
        checks.check(False, "a bad where clause raises")
    except ValueError as e:
        checks.check(True, f"ValueError: {e}")
    try:
        chromadb.PersistentClient(path="/proc/ochredb-example/nope")
        checks.check(False, "an unusable path raises")
    except PermissionError as e:
        checks.check(True, f"PermissionError: {e}")
    checks.check(c.count() == 1, "failed calls changed nothing")
    client.close()


def example_3_collection_crud(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    created = client.create_collection("articles", embedding_function=EF, metadata={"owner": "docs-team", "version": 1})
    print(f"  created {created.name} ({created.id})")
    fetched = client.get_collection("articles")
    checks.check(fetched.id == created.id, "get_collection returns the same collection")
    client.get_or_create_collection("drafts", embedding_function=EF)
    names = sorted(c.name for c in client.list_collections())
    print(f"  collections: {names}, count {client.count_collections()}")
    checks.check(names == ["articles", "drafts"], "both collections are listed")
    fetched.modify(name="published-articles", metadata={"owner": "docs-team", "version": 2})
    renamed = client.get_collection("published-articles")
    checks.check(renamed.metadata == {"owner": "docs-team", "version": 2}, "rename and metadata change stick")
    client.delete_collection("drafts")
    checks.check(client.count_collections() == 1, "delete_collection removed one")
    client.close()


def example_4_persistence_verification(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    c = client.create_collection("durable", embedding_function=EF)
    c.add(ids=[f"n{i}" for i in range(50)], documents=[f"note number {i}" for i in range(50)])
    before = c.query(query_texts=["note number 7"], n_results=3)["ids"][0]
    client.close()
    # A new process, as after a restart of the application.
    code = (
        "import sys, ochredb as chromadb\n"
        "c = chromadb.PersistentClient(path=sys.argv[1]).get_collection('durable')\n"
        "print(c.count(), ','.join(c.query(query_texts=['note number 7'], n_results=3)['ids'][0]))\n"
    )
    r = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, env=child_env())
    if not checks.check(r.returncode == 0, "a fresh process opened the database"):
        print(r.stderr)
        return
    count, ids = r.stdout.split()
    print(f"  after the restart: {count} records, query answers {ids.split(',')}")
    checks.check(int(count) == 50 and ids.split(",") == before, "same count and same answers after the restart")


def example_5_metadata_and_filtering(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    c = client.create_collection("products", embedding_function=EF)
    c.add(
        ids=["p1", "p2", "p3", "p4", "p5"],
        documents=[
            "Wireless noise cancelling headphones",
            "Mechanical keyboard with brown switches",
            "USB-C charging cable, two metres",
            "Noise cancelling earbuds with charging case",
            "Ergonomic wireless mouse",
        ],
        metadatas=[
            {"category": "audio", "price": 199.0, "in_stock": True, "tags": ["wireless", "premium"]},
            {"category": "input", "price": 89, "in_stock": False},
            {"category": "cables", "price": 12.5, "in_stock": True},
            {"category": "audio", "price": 149, "in_stock": True, "tags": ["wireless"]},
            {"category": "input", "price": 39.99, "in_stock": True, "tags": ["wireless"]},
        ],
    )
    cheap = c.get(where={"price": {"$lt": 100}})["ids"]
    audio_in_stock = c.get(where={"$and": [{"category": "audio"}, {"in_stock": True}]})["ids"]
    wireless = c.get(where={"tags": {"$contains": "wireless"}})["ids"]
    not_audio = c.get(where={"category": {"$nin": ["audio"]}})["ids"]
    noise = c.get(where_document={"$contains": "Noise"})["ids"]
    print(f"  price < 100: {cheap}; audio in stock: {audio_in_stock}; wireless: {wireless}")
    checks.check(cheap == ["p2", "p3", "p5"], "numeric filter compares ints and floats")
    checks.check(audio_in_stock == ["p1", "p4"], "$and of two conditions")
    checks.check(wireless == ["p1", "p4", "p5"], "$contains on a metadata array")
    checks.check(not_audio == ["p2", "p3", "p5"], "$nin")
    checks.check(noise == ["p4"], "document $contains is case-sensitive")
    r = c.query(query_texts=["wireless audio"], n_results=2, where={"in_stock": True})
    print(f"  query 'wireless audio' in stock: {r['ids'][0]}")
    checks.check(len(r["ids"][0]) == 2 and "p2" not in r["ids"][0], "filtered query only returns records in stock")
    client.close()


def example_6_batch_operations(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    c = client.create_collection("batched", embedding_function=None)
    rng = np.random.default_rng(6)
    n, dim, batch = 5000, 64, 1000
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    for start in range(0, n, batch):
        end = min(start + batch, n)
        c.add(
            ids=[f"v{i}" for i in range(start, end)],
            embeddings=vectors[start:end],  # a float32 numpy slice goes to the engine as it is
            metadatas=[{"batch": start // batch} for _ in range(start, end)],
        )
    print(f"  added {c.count()} vectors of {dim} dimensions in batches of {batch}")
    checks.check(c.count() == n, "every batch was stored")
    r = c.query(query_embeddings=vectors[:10], n_results=1, include=["distances"])
    checks.check([ids[0] for ids in r["ids"]] == [f"v{i}" for i in range(10)], "each vector finds itself first")
    got = c.get(ids=[f"v{i}" for i in range(0, n, 500)], include=["embeddings"])
    checks.check(np.allclose(got["embeddings"], vectors[0:n:500]), "embeddings read back unchanged")
    client.close()


def example_7_update_and_delete(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    c = client.create_collection("tasks", embedding_function=EF)
    c.add(
        ids=["t1", "t2", "t3"],
        documents=["write the report", "review the pull request", "book the flights"],
        metadatas=[{"status": "open", "priority": 1}, {"status": "open", "priority": 2}, {"status": "open"}],
    )
    c.update(ids="t1", metadatas={"status": "done"})  # merged key by key
    c.update(ids="t2", documents="review and merge the pull request")
    c.upsert(ids=["t3", "t4"], documents=["book the train", "plan the offsite"], metadatas=[None, {"status": "new"}])
    r = c.get(include=["documents", "metadatas"])
    for i, d, m in zip(r["ids"], r["documents"], r["metadatas"]):
        print(f"  {i}: {d!r} {m}")
    checks.check(r["metadatas"][0] == {"status": "done", "priority": 1}, "update merged the metadata")
    checks.check(r["documents"][1] == "review and merge the pull request", "update replaced the document")
    checks.check(r["ids"] == ["t1", "t2", "t3", "t4"], "upsert updated t3 in place and added t4")
    deleted = c.delete(where={"status": "done"})
    checks.check(deleted == {"deleted": 1} and c.count() == 3, "delete by metadata filter")
    c.delete(ids=["t4"])
    checks.check(c.get()["ids"] == ["t2", "t3"], "delete by id")
    client.close()


class CharacterStatsEmbedding(chromadb.EmbeddingFunction):
    """A toy embedding function following chromadb's protocol: vowel, consonant, digit and space
    fractions of each text. Real code would call a model here."""

    def __call__(self, input):
        out = []
        for text in input:
            n = max(len(text), 1)
            lower = text.lower()
            out.append(
                [
                    sum(ch in "aeiou" for ch in lower) / n,
                    sum(ch.isalpha() and ch not in "aeiou" for ch in lower) / n,
                    sum(ch.isdigit() for ch in text) / n,
                    text.count(" ") / n,
                ]
            )
        return out

    @staticmethod
    def name():
        return "character_stats"

    def get_config(self):
        return {}


def example_8_custom_embedding_function(path: str) -> None:
    client = chromadb.PersistentClient(path=path)
    c = client.create_collection("custom-ef", embedding_function=CharacterStatsEmbedding())
    c.add(ids=["digits", "words"], documents=["1234 5678 90", "hello there general kenobi"])
    r = c.query(query_texts=["31415 92653"], n_results=1)
    print(f"  nearest to a string of digits: {r['ids'][0][0]}")
    checks.check(r["ids"][0][0] == "digits", "the custom function embedded documents and the query")
    print(f"  recorded function: {c.configuration_json['embedding_function']}")
    checks.check(c.configuration_json["embedding_function"]["name"] == "character_stats", "its name is recorded")
    again = client.get_collection("custom-ef", embedding_function=CharacterStatsEmbedding())
    checks.check(again.count() == 2, "reopened with the same function")
    client.close()


EXAMPLES = [
    example_1_basic_setup,
    example_2_error_handling,
    example_3_collection_crud,
    example_4_persistence_verification,
    example_5_metadata_and_filtering,
    example_6_batch_operations,
    example_7_update_and_delete,
    example_8_custom_embedding_function,
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=None, help="a directory for the examples' databases")
    parser.add_argument("--only", type=int, default=None, help="run only example N (1-8)")
    args = parser.parse_args()
    base = os.path.abspath(args.path) if args.path else tempfile.mkdtemp(prefix="ochredb-examples-")
    for i, fn in enumerate(EXAMPLES, start=1):
        if args.only is not None and args.only != i:
            continue
        title = fn.__name__.split("_", 2)[2].replace("_", " ")
        print(f"\n=== Example {i}: {title} ===")
        fn(os.path.join(base, f"example_{i}"))
    print(f"\n  {checks.failures} failed check(s).")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
