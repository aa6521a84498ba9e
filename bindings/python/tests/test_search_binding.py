"""The native collection.search binding: Chroma's search request JSON (as Search.to_dict() builds it)
in, one dict per search out with the HTTP SearchResponse's content; bad requests raise and change
nothing. The Python Search DSL is tested on top of this by its own tests."""

import json

import pytest

from ochredb import _ochredb, errors


@pytest.fixture
def native_collection():
    client = _ochredb.open_ephemeral(True)
    c = client.create_collection(
        "search", None, None, _ochredb.NativeEmbeddingFunction(8), False, "default_tenant", "default_database", None
    )
    c.add(
        ["a", "b", "c", "d"],
        [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]],
        ["apple pie", "banana split", None, "cherry tart"],
        [{"cat": "x", "n": 1}, {"cat": "y", "n": 2}, None, {"cat": "x", "n": 4}],
        None,
    )
    yield c
    c.close()
    client.close()


def test_dense_knn_with_select(native_collection):
    body = {
        "searches": [
            {
                "filter": {},
                "rank": {"$knn": {"query": [1.0, 0.0], "key": "#embedding", "limit": 3}},
                "limit": {"offset": 0, "limit": 2},
                "select": {"keys": ["#score", "#document", "cat", "#embedding"]},
            }
        ]
    }
    (r,) = native_collection.search(json.dumps(body))
    assert set(r) == {"ids", "documents", "embeddings", "metadatas", "scores", "select"}
    assert r["ids"] == ["a", "c"]
    assert r["documents"] == ["apple pie", None]
    assert r["embeddings"] == [[1.0, 0.0], [1.0, 1.0]]
    assert r["metadatas"] == [{"cat": "x"}, None]
    assert r["scores"][0] == pytest.approx(0.0, abs=1e-6)
    assert r["scores"][1] == pytest.approx(1.0, abs=1e-5)  # squared L2
    assert r["select"] == ["#document", "#embedding", "#score", "cat"]


def test_unranked_filtered_batch_and_group_by(native_collection):
    body = {
        "searches": [
            {"filter": {"$and": [{"#id": {"$nin": ["b"]}}, {"#document": {"$contains": "t"}}]}, "select": {"keys": ["#score"]}},
            {
                "rank": {"$mul": [{"$val": -1.0}, {"$knn": {"query": [0.0, 1.0], "limit": 4, "return_rank": True}}]},
                "group_by": {"keys": ["cat"], "aggregate": {"$max_k": {"keys": ["n"], "k": 1}}},
                "select": {"keys": ["n"]},
            },
        ],
        "read_level": "index_only",
    }
    first, second = native_collection.search(json.dumps(body))
    assert first["ids"] == ["d"]  # not "b", and only "cherry tart" holds a "t"
    assert first["scores"] == [None]
    assert first["documents"] is None and first["metadatas"] is None and first["embeddings"] is None
    # One record per cat group (x, y, and the record without metadata), the largest n in each.
    by_id = dict(zip(second["ids"], second["metadatas"]))
    assert sorted(by_id) == ["b", "c", "d"]
    assert by_id["d"] == {"n": 4} and by_id["b"] == {"n": 2} and by_id["c"] is None
    assert second["scores"] is None and second["select"] == ["n"]


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"searches": []}, "At least one search payload"),
        ({"searches": [{"rank": {"$bogus": 1}}]}, "unknown operator $bogus"),
        ({"searches": [{"rank": {"$knn": {"query": [1.0, 0.0, 0.0]}}}]}, "dimension"),
        ({"searches": [{"limit": {"limit": -5}}]}, "4294967295"),
    ],
)
def test_bad_requests_raise_and_change_nothing(native_collection, body, needle):
    with pytest.raises(errors.ChromaError) as info:
        native_collection.search(json.dumps(body))
    assert needle in str(info.value)
    assert native_collection.count() == 4
