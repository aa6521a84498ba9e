"""chromadb's ann_accuracy invariant on a collection large enough for the engine to search its HNSW
graph instead of scanning: recall against brute force, exact distances for what is returned, sorted
results, every vector finding itself, before and after reopening the directory."""

import numpy as np
import pytest

import ochredb

N, DIM = 20_000, 112  # 2.24M floats: past the engine's exact-scan limit


def _brute_force(data, queries, k, space):
    if space == "l2":
        d = (queries**2).sum(1)[:, None] - 2 * queries @ data.T + (data**2).sum(1)[None, :]
    elif space == "ip":
        d = 1.0 - queries @ data.T
    else:
        qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        dn = data / np.linalg.norm(data, axis=1, keepdims=True)
        d = 1.0 - qn @ dn.T
    order = np.argsort(d, axis=1)[:, :k]
    return order, d


@pytest.mark.parametrize("space", ["l2", "cosine"])
def test_recall_and_exact_distances(tmp_path, space):
    rng = np.random.default_rng(2026)
    data = rng.standard_normal((N, DIM)).astype(np.float32)
    path = str(tmp_path / "db")
    client = ochredb.PersistentClient(path=path)
    c = client.create_collection("ann", configuration={"hnsw": {"space": space}}, embedding_function=None)
    ids = [f"r{i}" for i in range(N)]
    for s in range(0, N, 5000):
        c.add(ids=ids[s : s + 5000], embeddings=data[s : s + 5000], metadatas=[{"m": i % 7} for i in range(s, s + 5000)])

    queries = rng.standard_normal((40, DIM)).astype(np.float32)
    k = 10

    def check(col):
        truth, dist = _brute_force(data.astype(np.float64), queries.astype(np.float64), k, space)
        r = col.query(query_embeddings=queries, n_results=k, include=["distances"])
        hits = 0
        for qi in range(len(queries)):
            got = [int(i[1:]) for i in r["ids"][qi]]
            assert len(got) == k
            assert r["distances"][qi] == sorted(r["distances"][qi])
            np.testing.assert_allclose(r["distances"][qi], dist[qi, got], rtol=1e-3, atol=1e-3)
            hits += len(set(got) & set(truth[qi].tolist()))
        recall = hits / (k * len(queries))
        assert recall >= 0.95, recall
        # Every stored vector is its own nearest neighbour.
        sample = rng.choice(N, 20, replace=False)
        r = col.query(query_embeddings=data[sample], n_results=1, include=[])
        assert [ids[0] for ids in r["ids"]] == [f"r{i}" for i in sample]
        # Filtered search returns only matching records.
        r = col.query(query_embeddings=queries[:5], n_results=k, where={"m": 3}, include=["metadatas"])
        for metas in r["metadatas"]:
            assert len(metas) == k and all(m["m"] == 3 for m in metas)

    check(c)
    client.close()
    reopened = ochredb.PersistentClient(path=path)
    check(reopened.get_collection("ann", embedding_function=None))
    reopened.close()
