"""Threads: four threads query while one writes, on one collection (chromadb's
test_multithreaded.py::test_interleaved_add_query in spirit). The GIL is released inside the engine,
so the threads really overlap; what is checked is that nothing crashes and every answer is
consistent with what the writer had acknowledged. No timing is asserted."""

import sys
import threading

import numpy as np
import pytest

import ochredb

DIM = 16
BATCH = 50
BATCHES = 40


def _vector(i):
    # Each id's vector is derived from its number, so readers can check any answer on their own.
    return np.random.default_rng(i).standard_normal(DIM).astype(np.float32)


def _run_readers_and_writer(c, require_full_results):
    """Runs the writer and four readers; returns the failures they met and how many query answers
    had fewer than n_results rows although enough records were acknowledged."""
    acked = []  # ids the writer has seen acknowledged, in order; appended under lock
    lock = threading.Lock()
    done = threading.Event()
    failures = []
    short = []

    def writer():
        try:
            for b in range(BATCHES):
                ids = [f"v{i}" for i in range(b * BATCH, (b + 1) * BATCH)]
                vecs = np.stack([_vector(i) for i in range(b * BATCH, (b + 1) * BATCH)])
                c.add(ids=ids, embeddings=vecs, metadatas=[{"batch": b, "i": int(i[1:])} for i in ids])
                if b % 5 == 4:
                    # Rewrite some earlier metadata while readers run.
                    c.update(ids=ids[:5], metadatas=[{"touched": True}] * 5)
                with lock:
                    acked.extend(ids)
        except Exception as e:  # noqa: BLE001 (reported by the main thread)
            failures.append(("writer", repr(e)))
        finally:
            done.set()

    def reader(seed):
        rng = np.random.default_rng(seed)
        queries = 0
        try:
            while not done.is_set() or queries < 20:
                with lock:
                    known = len(acked)
                q = rng.standard_normal((2, DIM)).astype(np.float32)
                k = int(rng.integers(1, 12))
                where = {"batch": {"$lt": int(rng.integers(1, BATCHES))}} if rng.random() < 0.3 else None
                r = c.query(query_embeddings=q, n_results=k, where=where, include=["distances", "metadatas"])
                for qi in range(2):
                    ids, dists = r["ids"][qi], r["distances"][qi]
                    assert len(ids) <= k
                    assert dists == sorted(dists)
                    assert len(set(ids)) == len(ids)
                    if known >= k and where is None and len(ids) < k:
                        # Everything acknowledged before the query must be visible to it.
                        short.append((known, k, len(ids)))
                        assert not require_full_results, (known, k, ids)
                    for id_, d in zip(ids, dists):
                        n = int(id_[1:])
                        want = float(np.sum((q[qi].astype(np.float64) - _vector(n)) ** 2))
                        assert abs(want - d) <= 1e-3 * max(1.0, want), (id_, want, d)
                    for m in r["metadatas"][qi]:
                        assert m is not None and ("batch" in m)
                count = c.count()
                assert count >= known
                queries += 1
        except Exception as e:  # noqa: BLE001
            failures.append((f"reader {seed}", repr(e)))

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return failures, short


def test_four_readers_one_writer(any_client):
    c = any_client.create_collection("threads", embedding_function=None)
    failures, short = _run_readers_and_writer(c, require_full_results=False)
    assert failures == []

    total = BATCH * BATCHES
    assert c.count() == total
    got = c.get(include=["embeddings", "metadatas"])
    assert got["ids"] == [f"v{i}" for i in range(total)]
    np.testing.assert_allclose(got["embeddings"], np.stack([_vector(i) for i in range(total)]), rtol=1e-6)
    touched = [m for m in got["metadatas"] if m.get("touched")]
    assert len(touched) == 5 * (BATCHES // 5)
    # Every vector finds itself.
    sample = [0, 123, 999, total - 1]
    r = c.query(query_embeddings=np.stack([_vector(i) for i in sample]), n_results=1)
    assert [ids[0] for ids in r["ids"]] == [f"v{i}" for i in sample]


def test_query_racing_writes_returns_n_results(client):
    c = client.create_collection("threads-full", embedding_function=None)
    failures, short = _run_readers_and_writer(c, require_full_results=False)
    assert failures == []
    assert short == []


def test_threads_share_a_python_embedding_function(client):
    """The engine calls a Python function from several threads at once; each call takes the GIL."""
    calls = []

    class CountingEF:
        def __call__(self, input):
            calls.append(len(input))
            return [[float(len(s)), float(s.count("a")), 1.0] for s in input]

    c = client.create_collection("ef-threads", embedding_function=CountingEF())
    errors_seen = []

    def work(t):
        try:
            for b in range(10):
                c.add(ids=[f"t{t}-{b}-{j}" for j in range(5)], documents=[f"{'a' * j} doc {t}" for j in range(5)])
                c.query(query_texts=["aaa"], n_results=3)
        except Exception as e:  # noqa: BLE001
            errors_seen.append(repr(e))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors_seen == []
    assert c.count() == 4 * 10 * 5
    assert sum(calls) == 4 * 10 * 5 + 4 * 10


def test_many_clients_in_threads(tmp_path):
    """Clients opened and closed concurrently on one path share one engine safely."""
    path = str(tmp_path / "db")
    ochredb.PersistentClient(path=path).get_or_create_collection("shared-coll", embedding_function=None)
    errors_seen = []

    def work(t):
        try:
            for i in range(10):
                cl = ochredb.PersistentClient(path=path)
                col = cl.get_collection("shared-coll", embedding_function=None)
                col.upsert(ids=[f"{t}-{i}"], embeddings=[[float(t), float(i)]])
                col.count()
                if i % 3 == 0:
                    cl.close()
        except Exception as e:  # noqa: BLE001
            errors_seen.append(repr(e))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors_seen == []
    assert ochredb.PersistentClient(path=path).get_collection("shared-coll").count() == 40


def _ticks_during(call):
    """How far another Python thread counts while `call` runs. The switch interval is raised so that
    the thread can only run when the caller gives the GIL up on its own (as a native call releasing it
    does), not because the interpreter preempted the caller."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    counter = [0]
    finished = threading.Event()
    started = threading.Event()

    def ticker():
        started.set()
        while not finished.is_set():
            counter[0] += 1

    t = threading.Thread(target=ticker)
    t.start()
    started.wait()
    try:
        before = counter[0]
        call()
        return counter[0] - before
    finally:
        finished.set()
        t.join()
        sys.setswitchinterval(old)


def test_engine_calls_release_the_gil(ephemeral):
    """While one thread is inside an engine call, another thread runs Python code."""
    c = ephemeral.create_collection("gil", embedding_function=None)
    rng = np.random.default_rng(5)
    c.add(ids=[str(i) for i in range(4000)], embeddings=rng.standard_normal((4000, 64)).astype(np.float32))
    queries = rng.standard_normal((400, 64)).astype(np.float32)
    big = rng.random(200_000).tolist()
    # The method is sound: a native call that keeps the GIL (sorting) lets the other thread do nothing.
    assert _ticks_during(lambda: sorted(big)) == 0
    assert _ticks_during(lambda: c.query(query_embeddings=queries, n_results=10, include=[])) > 0


def test_close_while_other_threads_are_inside_calls(tmp_path):
    """close() on one thread while others are inside engine calls: their calls finish or raise
    ValueError ("closed"); nothing crashes and the directory is usable afterwards."""
    path = str(tmp_path / "db")
    client = ochredb.PersistentClient(path=path)
    c = client.create_collection("closing", embedding_function=None)
    rng = np.random.default_rng(11)
    c.add(ids=[str(i) for i in range(3000)], embeddings=rng.standard_normal((3000, 32)).astype(np.float32))
    outcomes = []
    go = threading.Event()
    working = threading.Event()

    def worker(seed):
        r = np.random.default_rng(seed)
        go.wait()
        try:
            for i in range(200):
                c.query(query_embeddings=r.standard_normal((20, 32)).astype(np.float32), n_results=5, include=[])
                c.upsert(ids=[f"w{seed}-{i}"], embeddings=r.standard_normal((1, 32)).astype(np.float32))
                working.set()
            outcomes.append("finished")
        except ValueError as e:
            outcomes.append("closed" if "closed" in str(e) else repr(e))
        except Exception as e:  # noqa: BLE001
            outcomes.append(repr(e))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    go.set()
    working.wait(timeout=60)  # the workers are in full swing
    client.close()
    for t in threads:
        t.join(timeout=120)
    assert all(o in ("finished", "closed") for o in outcomes), outcomes
    assert len(outcomes) == 4
    again = ochredb.PersistentClient(path=path)
    assert again.get_collection("closing").count() >= 3000
    again.close()
