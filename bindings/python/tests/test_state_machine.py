"""A seeded state machine in the spirit of chromadb/test/property/test_embeddings.py: random add /
upsert / update / delete / get / query against a plain Python model with brute-force search, with
the client closed and the directory read back by a fresh process at random points.

The seed is printed; set OCHREDB_SEED to replay one, OCHREDB_STEPS to run longer.
"""

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

import ochredb

DIM = 4
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
STRINGS = ["x", "y", "z"]


def _distance(space, a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if space == "l2":
        return float(np.sum((a - b) ** 2))
    if space == "ip":
        return float(1.0 - np.dot(a, b))
    return float(1.0 - np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def _matches(where, metadata, document=None):
    """chromadb's semantics for the subset the machine generates ($ne/$nin match missing keys)."""
    if where is None:
        return True
    ((key, value),) = where.items()
    if key == "$and":
        return all(_matches(w, metadata) for w in value)
    if key == "$or":
        return any(_matches(w, metadata) for w in value)
    m = metadata or {}
    op, operand = next(iter(value.items())) if isinstance(value, dict) else ("$eq", value)
    present = key in m
    v = m.get(key)
    if op == "$ne":
        return not (present and v == operand)
    if op == "$nin":
        return not (present and v in operand)
    if not present:
        return False
    return {
        "$eq": lambda: v == operand,
        "$gt": lambda: v > operand,
        "$gte": lambda: v >= operand,
        "$lt": lambda: v < operand,
        "$lte": lambda: v <= operand,
        "$in": lambda: v in operand,
    }[op]()


def _doc_matches(where_document, document):
    if where_document is None:
        return True
    return document is not None and where_document["$contains"] in document


class Model:
    def __init__(self):
        self.records = {}  # id -> [embedding, document, metadata]; dict order is insertion order

    def add(self, ids, embs, docs, metas):
        for i, id_ in enumerate(ids):
            if id_ not in self.records:
                self.records[id_] = [embs[i], docs[i] if docs else None, _clean(metas[i] if metas else None)]

    def update(self, ids, embs, docs, metas, insert_missing):
        for i, id_ in enumerate(ids):
            if id_ not in self.records:
                if insert_missing:
                    self.records[id_] = [embs[i], docs[i] if docs else None, _clean(metas[i] if metas else None)]
                continue
            r = self.records[id_]
            if embs is not None:
                r[0] = embs[i]
            if docs is not None:
                r[1] = docs[i]
            if metas is not None and metas[i] is not None:
                merged = dict(r[2] or {})
                for k, v in metas[i].items():
                    if v is None:
                        merged.pop(k, None)
                    else:
                        merged[k] = v
                r[2] = merged or None

    def select(self, where=None, where_document=None, ids=None):
        return [
            i
            for i, (e, d, m) in self.records.items()
            if (ids is None or i in ids) and _matches(where, m) and _doc_matches(where_document, d)
        ]


def _clean(meta):
    if meta is None:
        return None
    out = {k: v for k, v in meta.items() if v is not None}
    return out or None


class Machine:
    def __init__(self, seed, path, space):
        self.rng = random.Random(seed)
        self.path = path
        self.space = space
        self.model = Model()
        self.next_id = 0
        self.client = None
        self.collection = None
        self.open()
        self.collection = self.client.create_collection(
            "machine", configuration={"hnsw": {"space": space}}, embedding_function=None
        )

    def open(self):
        self.client = ochredb.PersistentClient(path=self.path)
        if self.collection is not None:
            self.collection = self.client.get_collection("machine", embedding_function=None)

    # --- random values ---------------------------------------------------------------------------
    def vec(self):
        return [round(self.rng.uniform(-1, 1), 3) for _ in range(DIM)]

    def meta(self, allow_none_values=False):
        r = self.rng
        if r.random() < 0.15:
            return None
        m = {}
        if r.random() < 0.8:
            m["a"] = r.randint(0, 4)
        if r.random() < 0.7:
            m["b"] = r.choice(STRINGS)
        if r.random() < 0.5:
            m["c"] = round(r.uniform(0, 10), 2)
        if r.random() < 0.4:
            m["d"] = r.random() < 0.5
        if allow_none_values and m and r.random() < 0.3:
            m[r.choice(["a", "b", "c", "d"])] = None
        return m or {"a": r.randint(0, 4)}

    def doc(self):
        return " ".join(self.rng.sample(WORDS, self.rng.randint(1, 3)))

    def new_ids(self, n):
        ids = [f"id{self.next_id + i}" for i in range(n)]
        self.next_id += n
        return ids

    def some_ids(self, n, missing=0.2):
        existing = list(self.model.records)
        out = []
        for _ in range(n):
            if existing and self.rng.random() > missing:
                out.append(self.rng.choice(existing))
            else:
                out.append(f"id{self.rng.randint(0, self.next_id + 5)}")
        return list(dict.fromkeys(out))  # unique, as chromadb requires

    def where(self):
        r = self.rng
        leaf = [
            lambda: {"a": {r.choice(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]): r.randint(0, 4)}},
            lambda: {"a": {r.choice(["$in", "$nin"]): r.sample(range(5), 2)}},
            lambda: {"b": r.choice(STRINGS)},
            lambda: {"b": {"$ne": r.choice(STRINGS)}},
            lambda: {"d": r.random() < 0.5},
        ]
        if r.random() < 0.25:
            return {r.choice(["$and", "$or"]): [r.choice(leaf)(), r.choice(leaf)()]}
        return r.choice(leaf)()

    # --- rules -------------------------------------------------------------------------------------------
    def step(self):
        r = self.rng.random()
        if r < 0.22:
            self.add()
        elif r < 0.36:
            self.upsert()
        elif r < 0.50:
            self.update()
        elif r < 0.60:
            self.delete()
        elif r < 0.78:
            self.get()
        elif r < 0.97:
            self.query()
        else:
            self.restart()
        assert self.collection.count() == len(self.model.records)

    def add(self):
        n = self.rng.randint(1, 8)
        ids = self.new_ids(n)
        if self.model.records and self.rng.random() < 0.3:
            ids[0] = self.rng.choice(list(self.model.records))  # an existing id: ignored
            ids = list(dict.fromkeys(ids))
        embs = [self.vec() for _ in ids]
        docs = [self.doc() for _ in ids] if self.rng.random() < 0.7 else None
        metas = [self.meta() for _ in ids] if self.rng.random() < 0.8 else None
        self.collection.add(ids=ids, embeddings=embs, documents=docs, metadatas=metas)
        self.model.add(ids, embs, docs, metas)

    def upsert(self):
        ids = self.some_ids(self.rng.randint(1, 6), missing=0.4)
        embs = [self.vec() for _ in ids]
        docs = [self.doc() for _ in ids] if self.rng.random() < 0.6 else None
        metas = [self.meta() for _ in ids] if self.rng.random() < 0.7 else None
        self.collection.upsert(ids=ids, embeddings=embs, documents=docs, metadatas=metas)
        self.model.update(ids, embs, docs, metas, insert_missing=True)

    def update(self):
        ids = self.some_ids(self.rng.randint(1, 6))
        embs = [self.vec() for _ in ids] if self.rng.random() < 0.5 else None
        docs = [self.doc() for _ in ids] if self.rng.random() < 0.4 else None
        metas = [self.meta(allow_none_values=True) for _ in ids] if self.rng.random() < 0.7 else None
        if docs is not None and embs is None:
            embs = [self.vec() for _ in ids]  # documents without embeddings would need a function
        if embs is None and docs is None and metas is None:
            metas = [{"a": 1} for _ in ids]
        self.collection.update(ids=ids, embeddings=embs, documents=docs, metadatas=metas)
        self.model.update(ids, embs, docs, metas, insert_missing=False)

    def delete(self):
        if self.rng.random() < 0.6:
            ids = self.some_ids(self.rng.randint(1, 4))
            assert self.collection.delete(ids=ids) == {"deleted": len(ids)}
            for i in ids:
                self.model.records.pop(i, None)
        else:
            where = self.where()
            expected = self.model.select(where=where)
            assert self.collection.delete(where=where) == {"deleted": len(expected)}, where
            for i in expected:
                del self.model.records[i]

    def get(self):
        kw = {}
        if self.rng.random() < 0.3:
            kw["ids"] = self.some_ids(self.rng.randint(1, 5))
        if self.rng.random() < 0.4:
            kw["where"] = self.where()
        if self.rng.random() < 0.2:
            kw["where_document"] = {"$contains": self.rng.choice(WORDS)}
        expected = self.model.select(kw.get("where"), kw.get("where_document"), kw.get("ids"))
        if self.rng.random() < 0.3:
            offset, limit = self.rng.randint(0, 5), self.rng.randint(0, 6)
            kw["offset"], kw["limit"] = offset, limit
            expected = expected[offset : offset + limit]
        include = self.rng.sample(["embeddings", "documents", "metadatas", "uris"], self.rng.randint(0, 4))
        r = self.collection.get(include=include, **kw)
        assert r["ids"] == expected, (kw, r["ids"], expected)
        assert r["included"] == include
        self.check_records(r, expected, include)

    def check_records(self, r, expected, include):
        for field in ("embeddings", "documents", "metadatas", "uris"):
            if field not in include:
                assert r[field] is None, field
        if "documents" in include:
            assert r["documents"] == [self.model.records[i][1] for i in expected]
        if "metadatas" in include:
            assert r["metadatas"] == [self.model.records[i][2] for i in expected]
        if "uris" in include:
            assert r["uris"] == [None] * len(expected)
        if "embeddings" in include and expected:
            want = np.array([self.model.records[i][0] for i in expected], dtype=np.float32)
            np.testing.assert_allclose(r["embeddings"], want, rtol=1e-6)

    def query(self):
        n_results = self.rng.randint(1, 10)
        q = [self.vec() for _ in range(self.rng.randint(1, 3))]
        where = self.where() if self.rng.random() < 0.4 else None
        where_document = {"$contains": self.rng.choice(WORDS)} if self.rng.random() < 0.2 else None
        ids = None
        if self.model.records and self.rng.random() < 0.2:
            ids = self.rng.sample(list(self.model.records), min(len(self.model.records), self.rng.randint(1, 6)))
        r = self.collection.query(
            query_embeddings=q,
            n_results=n_results,
            where=where,
            where_document=where_document,
            ids=ids,
            include=["distances", "metadatas", "documents"],
        )
        candidates = self.model.select(where=where, where_document=where_document, ids=ids)
        assert len(r["ids"]) == len(q)
        for qi, qv in enumerate(q):
            ranked = sorted((_distance(self.space, qv, self.model.records[i][0]), i) for i in candidates)
            want = ranked[:n_results]
            got_ids, got_d = r["ids"][qi], r["distances"][qi]
            assert len(got_ids) == len(want), (where, got_ids, want)
            assert got_d == sorted(got_d)
            np.testing.assert_allclose(got_d, [d for d, _ in want], rtol=1e-4, atol=1e-4)
            for i, d in zip(got_ids, got_d):
                assert i in candidates
                assert abs(_distance(self.space, qv, self.model.records[i][0]) - d) < 1e-4
            assert r["metadatas"][qi] == [self.model.records[i][2] for i in got_ids]
            assert r["documents"][qi] == [self.model.records[i][1] for i in got_ids]

    def restart(self):
        """Close everything, let a fresh process read the whole directory, then reopen here."""
        self.client.close()
        self.check_in_subprocess()
        self.open()

    def check_in_subprocess(self):
        code = (
            "import json, sys, ochredb\n"
            "c = ochredb.PersistentClient(path=sys.argv[1]).get_collection('machine', embedding_function=None)\n"
            "r = c.get(include=['embeddings', 'documents', 'metadatas'])\n"
            "print(json.dumps({'count': c.count(), 'ids': r['ids'], 'documents': r['documents'],\n"
            "  'metadatas': r['metadatas'], 'embeddings': [list(map(float, e)) for e in r['embeddings']]}))\n"
        )
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        p = subprocess.run([sys.executable, "-c", code, self.path], capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stderr
        seen = json.loads(p.stdout)
        expected = list(self.model.records)
        assert seen["count"] == len(expected)
        assert seen["ids"] == expected
        assert seen["documents"] == [self.model.records[i][1] for i in expected]
        assert seen["metadatas"] == [self.model.records[i][2] for i in expected]
        if expected:
            want = np.array([self.model.records[i][0] for i in expected], dtype=np.float32)
            np.testing.assert_allclose(np.array(seen["embeddings"], dtype=np.float32), want, rtol=1e-6)


def _seeds():
    if os.environ.get("OCHREDB_SEED"):
        return [int(os.environ["OCHREDB_SEED"])]
    return [20261125, 7, 4242]


@pytest.mark.parametrize("seed", _seeds())
def test_state_machine(tmp_path, seed):
    steps = int(os.environ.get("OCHREDB_STEPS", "250"))
    space = ["l2", "cosine", "ip"][seed % 3]
    print(f"state machine: seed={seed} steps={steps} space={space} (replay with OCHREDB_SEED={seed})")
    m = Machine(seed, str(tmp_path / "db"), space)
    try:
        for n in range(steps):
            try:
                m.step()
            except AssertionError as e:
                raise AssertionError(f"seed {seed}, step {n}: {e}") from e
        m.restart()
    finally:
        m.client.close()
