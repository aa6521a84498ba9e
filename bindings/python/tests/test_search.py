"""collection.search and the Search API's expressions (chromadb.execution.expression's names).

The first half checks the JSON the expressions build against the shapes chromadb's client sends
(chromadb/execution/expression/operator.py); the second runs searches in the engine and checks the
answers against numpy brute force on small collections.
"""

import math

import numpy as np
import pytest

import ochredb
from ochredb import K, Knn, ReadLevel, Rrf, Search, SearchResult, SparseVector
from ochredb.execution.expression import (
    And,
    Eq,
    GroupBy,
    Limit,
    MaxK,
    MinK,
    Rank,
    Select,
    Val,
    Where,
)
from ochredb.utils.embedding_functions import HashingEmbeddingFunction


# --- the JSON the expressions build ---------------------------------------------------------------
def test_where_operators_and_combinations():
    w = (K("status") == "active") & (K("score") > 0.5) & K("tag").is_in(["a", "b"])
    assert w.to_dict() == {
        "$and": [{"status": {"$eq": "active"}}, {"score": {"$gt": 0.5}}, {"tag": {"$in": ["a", "b"]}}]
    }
    o = (K("a") != 1) | (K("b") <= 2) | K.DOCUMENT.contains("x") | K.ID.not_in(["i"])
    assert o.to_dict() == {
        "$or": [{"a": {"$ne": 1}}, {"b": {"$lte": 2}}, {"#document": {"$contains": "x"}}, {"#id": {"$nin": ["i"]}}]
    }
    assert (K.DOCUMENT.regex("^a") & K.DOCUMENT.not_regex("b$")).to_dict() == {
        "$and": [{"#document": {"$regex": "^a"}}, {"#document": {"$not_regex": "b$"}}]
    }
    assert isinstance(K("x") == 1, Eq) and (K("x") == 1).value == 1
    with pytest.raises(TypeError, match="requires a string pattern"):
        K.DOCUMENT.contains(3)


def test_where_from_dict_round_trips_and_rejects():
    d = {"$and": [{"a": 1}, {"$or": [{"b": {"$gte": 2}}, {"c": {"$nin": [1, 2]}}]}]}
    w = Where.from_dict(d)
    assert isinstance(w, And)
    assert w.to_dict() == {"$and": [{"a": {"$eq": 1}}, {"$or": [{"b": {"$gte": 2}}, {"c": {"$nin": [1, 2]}}]}]}
    for bad, err, msg in [
        ({}, ValueError, "cannot be empty"),
        ({"a": {"$between": 1}}, ValueError, "Unknown operator: \\$between"),
        ({"a": {"$in": 1}}, TypeError, "\\$in requires a list"),
        ({"$and": []}, ValueError, "at least one condition"),
        ({"a": 1, "b": 2}, ValueError, "exactly one field"),
    ]:
        with pytest.raises(err, match=msg):
            Where.from_dict(bad)


def test_rank_arithmetic_shapes():
    r = Knn(query=[0.1, 0.2]) * 0.8 + Val(0.5) * 0.2
    assert r.to_dict() == {
        "$sum": [
            {"$mul": [{"$knn": {"query": [0.1, 0.2], "key": "#embedding", "limit": 16}}, {"$val": 0.8}]},
            {"$mul": [{"$val": 0.5}, {"$val": 0.2}]},
        ]
    }
    knn = Knn(query=[1.0], limit=5, default=10.0, return_rank=True)
    assert (-knn).to_dict() == {
        "$mul": [{"$val": -1}, {"$knn": {"query": [1.0], "key": "#embedding", "limit": 5, "default": 10.0, "return_rank": True}}]
    }
    assert (1 - abs(knn).exp().log().max(0.0).min(1.0) / 2).to_dict()["$sub"]["left"] == {"$val": 1}
    assert Rank.from_dict({"$div": {"left": {"$val": 1}, "right": {"$val": 2}}}).to_dict() == {
        "$div": {"left": {"$val": 1}, "right": {"$val": 2}}
    }
    sv = SparseVector(indices=[1, 5], values=[0.5, 0.25])
    assert Knn(query=sv, key="sparse").to_dict() == {
        "$knn": {"query": {"#type": "sparse_vector", "indices": [1, 5], "values": [0.5, 0.25]}, "key": "sparse", "limit": 16}
    }
    for bad, err, msg in [
        ({"$val": "1"}, TypeError, "\\$val requires a number"),
        ({"$sum": [{"$val": 1}]}, ValueError, "at least 2 ranks"),
        ({"$knn": {"query": [1.0], "limit": 0}}, ValueError, "limit must be positive"),
        ({"$knn": {}}, ValueError, "requires 'query' field"),
        ({"$pow": 1}, ValueError, "Unknown rank operator"),
    ]:
        with pytest.raises(err, match=msg):
            Rank.from_dict(bad)


def test_rrf_expands_to_arithmetic():
    a = Knn(query=[1.0, 0.0], return_rank=True)
    b = Knn(query=[0.0, 1.0], return_rank=True, default=1000)
    d = Rrf([a, b], weights=[3.0, 1.0], normalize=True, k=10).to_dict()
    assert d == {
        "$mul": [
            {"$val": -1},
            {
                "$sum": [
                    {"$div": {"left": {"$val": 0.75}, "right": {"$sum": [{"$val": 10}, a.to_dict()]}}},
                    {"$div": {"left": {"$val": 0.25}, "right": {"$sum": [{"$val": 10}, b.to_dict()]}}},
                ]
            },
        ]
    }
    with pytest.raises(ValueError, match="Number of weights"):
        Rrf([a, b], weights=[1.0]).to_dict()
    with pytest.raises(ValueError, match="k must be positive"):
        Rrf([a], k=0).to_dict()


def test_search_builder_limit_select_group_by():
    s = (
        Search()
        .where(K("year") >= 2020)
        .rank(Knn(query=[0.5, 0.5]))
        .group_by(GroupBy(keys=K("cat"), aggregate=MinK(keys=K.SCORE, k=2)))
        .limit(10, offset=5)
        .select(K.DOCUMENT, K.SCORE, "title")
    )
    d = s.to_dict()
    assert d["filter"] == {"year": {"$gte": 2020}}
    assert d["group_by"] == {"keys": ["cat"], "aggregate": {"$min_k": {"keys": ["#score"], "k": 2}}}
    assert d["limit"] == {"offset": 5, "limit": 10}
    assert sorted(d["select"]["keys"]) == ["#document", "#score", "title"]
    plain = Search(where={"a": 1}, limit=3, select=["#document"]).to_dict()
    assert plain == {
        "filter": {"a": {"$eq": 1}},
        "rank": None,
        "group_by": {},
        "limit": {"offset": 0, "limit": 3},
        "select": {"keys": ["#document"]},
    }
    g = GroupBy.from_dict({"keys": ["c"], "aggregate": {"$max_k": {"keys": ["n", "#score"], "k": 1}}})
    assert isinstance(g.aggregate, MaxK) and g.to_dict() == {
        "keys": ["c"],
        "aggregate": {"$max_k": {"keys": ["n", "#score"], "k": 1}},
    }
    assert Limit.from_dict({"limit": 2}).to_dict() == {"offset": 0, "limit": 2}
    with pytest.raises(ValueError, match="Limit limit must be positive"):
        Search(limit=0)
    with pytest.raises(TypeError, match="where must be"):
        Search(where=3)
    assert Select.from_dict({"keys": ["#score"]}).to_dict() == {"keys": ["#score"]}


def test_search_result_rows():
    r = SearchResult(
        {
            "ids": [["a", "b"], []],
            "documents": [["da", None], None],
            "embeddings": [None, None],
            "metadatas": [[{"k": 1}, None], None],
            "scores": [[0.1, 0.2], None],
            "select": [["#document", "#metadata", "#score"], []],
        }
    )
    assert r.rows() == [
        [{"id": "a", "document": "da", "metadata": {"k": 1}, "score": 0.1}, {"id": "b", "score": 0.2}],
        [],
    ]


# --- searches run by the engine --------------------------------------------------------------------
def _has_native_search(collection) -> bool:
    return hasattr(collection._handle, "search")


def _collection(client, space="l2", n=60, dim=4, seed=7):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n, dim)).astype(np.float32)
    ids = [f"r{i:03d}" for i in range(n)]
    metas = [{"cat": ["x", "y", "z"][i % 3], "n": i, "even": i % 2 == 0} for i in range(n)]
    docs = [f"document {i} {'apple' if i % 4 == 0 else 'pear'}" for i in range(n)]
    c = client.create_collection(
        f"s_{space}", embedding_function=HashingEmbeddingFunction(dim), configuration={"hnsw": {"space": space}}
    )
    c.add(ids=ids, embeddings=emb, metadatas=metas, documents=docs)
    if not _has_native_search(c):
        pytest.skip("this build's engine has no search binding yet")
    return c, ids, emb, metas, docs


def _distances(space, emb, q):
    q = np.asarray(q, dtype=np.float32)
    if space == "l2":
        return ((emb - q) ** 2).sum(axis=1)
    if space == "ip":
        return 1.0 - emb @ q
    norms = np.linalg.norm(emb, axis=1) * np.linalg.norm(q)
    return 1.0 - (emb @ q) / norms


@pytest.mark.parametrize("space", ["l2", "cosine", "ip"])
def test_knn_ranks_by_distance_with_filter_and_page(client, space):
    c, ids, emb, metas, _ = _collection(client, space)
    q = [0.3, -0.2, 0.5, 0.1]
    d = _distances(space, emb, q)
    allowed = [i for i, m in enumerate(metas) if m["even"]]
    knn_top = sorted(allowed, key=lambda i: (d[i], ids[i]))[:16]
    res = c.search(Search().where(K("even") == True).rank(Knn(query=q)).limit(5, offset=2).select(K.SCORE, "n"))  # noqa: E712
    expected = knn_top[2:7]
    assert res["ids"] == [[ids[i] for i in expected]]
    assert np.allclose(res["scores"][0], [d[i] for i in expected], rtol=1e-4, atol=1e-5)
    assert res["metadatas"][0] == [{"n": metas[i]["n"]} for i in expected]
    assert res["documents"] == [None] and res["embeddings"] == [None]


def test_batch_of_searches_and_rows(client):
    c, ids, emb, metas, docs = _collection(client)
    q1, q2 = [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]
    res = c.search(
        [
            Search().rank(Knn(query=q1, limit=3)).select_all(),
            Search().where(K.DOCUMENT.contains("apple")).rank(Knn(query=q2, limit=50)).limit(4).select(K.DOCUMENT),
            Search().where(K.ID.is_in(["r001", "r002", "r050"])).select(K.METADATA),
        ]
    )
    d1, d2 = _distances("l2", emb, q1), _distances("l2", emb, q2)
    first = sorted(range(len(ids)), key=lambda i: (d1[i], ids[i]))[:3]
    second = sorted([i for i in range(len(ids)) if "apple" in docs[i]], key=lambda i: (d2[i], ids[i]))[:4]
    assert res["ids"][0] == [ids[i] for i in first]
    assert np.allclose(np.array(res["embeddings"][0]), emb[first], atol=1e-6)
    assert res["ids"][1] == [ids[i] for i in second]
    assert res["documents"][1] == [docs[i] for i in second]
    assert sorted(res["ids"][2]) == ["r001", "r002", "r050"]
    rows = res.rows()
    assert rows[0][0]["id"] == ids[first[0]] and rows[0][0]["document"] == docs[first[0]]
    assert "score" not in rows[2][0]


def test_rrf_fuses_two_knns(client):
    c, ids, emb, _, _ = _collection(client)
    qa, qb = [1.0, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, -0.5]
    limit = 20
    rank = Rrf(
        [Knn(query=qa, limit=limit, return_rank=True, default=limit), Knn(query=qb, limit=limit, return_rank=True, default=limit)],
        weights=[2.0, 1.0],
    )
    res = c.search(Search().rank(rank).limit(10).select(K.SCORE))
    da, db = _distances("l2", emb, qa), _distances("l2", emb, qb)
    ra = {i: r for r, i in enumerate(sorted(range(len(ids)), key=lambda i: (da[i], ids[i]))[:limit])}
    rb = {i: r for r, i in enumerate(sorted(range(len(ids)), key=lambda i: (db[i], ids[i]))[:limit])}
    score = {i: -(2.0 / (60 + ra.get(i, limit)) + 1.0 / (60 + rb.get(i, limit))) for i in set(ra) | set(rb)}
    expected = sorted(score, key=lambda i: (score[i], ids[i]))[:10]
    assert res["ids"][0] == [ids[i] for i in expected]
    assert np.allclose(res["scores"][0], [score[i] for i in expected], rtol=1e-5)


def test_group_by_keeps_best_per_group(client):
    c, ids, emb, metas, _ = _collection(client)
    q = [0.2, 0.2, 0.2, 0.2]
    d = _distances("l2", emb, q)
    res = c.search(
        Search()
        .rank(Knn(query=q, limit=60))
        .group_by(GroupBy(keys=K("cat"), aggregate=MinK(keys=K.SCORE, k=2)))
        .select(K.SCORE, "cat")
    )
    best = []
    for cat in "xyz":
        members = sorted([i for i in range(len(ids)) if metas[i]["cat"] == cat], key=lambda i: (d[i], ids[i]))
        best += members[:2]
    expected = sorted(best, key=lambda i: (d[i], ids[i]))
    assert res["ids"][0] == [ids[i] for i in expected]


def test_text_queries_are_embedded_with_the_collection_function(client):
    c, ids, _, _, docs = _collection(client)
    ef = HashingEmbeddingFunction(4)
    by_text = c.search(Search().rank(Knn(query="document 3 pear", limit=5)).select(K.SCORE))
    by_vector = c.search(Search().rank(Knn(query=list(ef(["document 3 pear"])[0]), limit=5)).select(K.SCORE))
    assert by_text["ids"] == by_vector["ids"]
    assert c.search(Search().rank(Knn(query=[1.0, 0, 0, 0])), read_level=ReadLevel.INDEX_ONLY)["ids"][0]


def test_bad_searches_change_nothing(client):
    c, ids, _, _, _ = _collection(client)
    before = c.get(include=["embeddings", "metadatas", "documents"])
    with pytest.raises(Exception, match="(?i)dimension|dimensional"):
        c.search(Search().rank(Knn(query=[1.0, 2.0])))
    with pytest.raises(Exception):
        c.search(Search(rank={"$knn": {"query": [1.0, 0, 0, 0], "key": "no_such_key"}}))
    with pytest.raises(ValueError, match="key not found in schema"):
        c.search(Search().rank(Knn(query="text", key="no_such_key")))
    with pytest.raises(TypeError):
        c.search(["not a search"])
    after = c.get(include=["embeddings", "metadatas", "documents"])
    assert after["ids"] == before["ids"] and after["metadatas"] == before["metadatas"]
    assert np.array_equal(np.array(after["embeddings"]), np.array(before["embeddings"]))
    assert math.isfinite(float(c.count()))
