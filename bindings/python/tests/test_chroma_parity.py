"""Scenarios from chromadb's own chromadb/test/test_api.py, re-expressed against ochredb: the same
records and the same expectations, so a behaviour chromadb's suite checks is checked here too."""

import numpy as np
import pytest

from ochredb import errors

RECORDS = {
    "embeddings": [[1.1, 2.3, 3.2], [1.2, 2.24, 3.2]],
    "ids": ["id1", "id2"],
    "metadatas": [
        {"int_value": 1, "string_value": "one", "float_value": 1.001},
        {"int_value": 2, "float_value": 2.002, "string_value": "two"},
    ],
    "documents": ["this document is first", "this document is second"],
}
# chromadb's `records` (test_query_include and the tests after it).
RECORDS_ORIGIN = {
    "embeddings": [[0, 0, 0], [1.2, 2.24, 3.2]],
    "ids": ["id1", "id2"],
    "metadatas": [{"int_value": 1, "string_value": "one", "float_value": 1.001}, {"int_value": 2}],
    "documents": ["this document is first", "this document is second"],
}
ALL = ["embeddings", "documents", "metadatas", "distances"]


def _shape_check(result, includes, n_queries, per_query=None):
    for key, value in result.items():
        if key in includes or key == "ids":
            assert len(value) == n_queries, key
            if per_query is not None:
                assert all(len(v) == per_query for v in value), key
        elif key == "included":
            assert set(value) == set(includes)
        else:
            assert value is None, key


def test_nearest_neighbours_shapes(client):
    c = client.create_collection("testspace")
    c.add(**RECORDS)
    _shape_check(c.query(query_embeddings=[1.1, 2.3, 3.2], n_results=1, include=ALL), ALL, 1)
    _shape_check(c.query(query_embeddings=[[1.1, 2.3, 3.2]], n_results=1, include=ALL), ALL, 1)
    r = c.query(query_embeddings=[[1.1, 2.3, 3.2], [0.1, 2.3, 4.5]], n_results=1, include=ALL)
    _shape_check(r, ALL, 2)
    r = c.query(query_embeddings=[[1.1, 2.3, 3.2]], n_results=5, include=ALL)
    _shape_check(r, ALL, 1, per_query=2)  # more asked than stored: what there is, no error


def test_query_and_get_include(client):
    c = client.create_collection("test_query_include")
    c.add(**RECORDS_ORIGIN)
    r = c.query(query_embeddings=[0, 0, 0], include=["metadatas", "documents", "distances"], n_results=1)
    assert r["embeddings"] is None and r["ids"][0][0] == "id1" and r["metadatas"][0][0]["int_value"] == 1
    r = c.query(query_embeddings=[[0, 0, 0], [1, 2, 1.2]], include=[], n_results=2)
    assert r["documents"] is None and r["metadatas"] is None and r["embeddings"] is None and r["distances"] is None
    assert r["ids"][0] == ["id1", "id2"]
    g = c.get(include=["metadatas", "documents"], where={"int_value": 1})
    assert g["embeddings"] is None and g["ids"] == ["id1"] and g["documents"] == ["this document is first"]
    g = c.get(include=["embeddings", "documents"])
    assert g["metadatas"] is None and g["embeddings"][1][0] == pytest.approx(1.2)
    with pytest.raises(ValueError, match="include"):
        c.get(include=["metadatas", "undefined"])
    with pytest.raises(ValueError, match="include"):
        c.get(include=None)


def test_query_order(client):
    c = client.create_collection("test_query_order")
    c.add(**RECORDS_ORIGIN)
    r = c.query(query_embeddings=[1.2, 2.24, 3.2], n_results=2)
    assert r["documents"][0] == ["this document is second", "this document is first"]


def test_metadata_create_read_update(client):
    c = client.create_collection("testspace", metadata={"a": 1, "b": 2})
    assert client.get_collection("testspace").metadata == {"a": 1, "b": 2}
    c.modify(metadata={"a": 2, "c": 3})
    assert c.metadata == {"a": 2, "c": 3}
    assert client.get_collection("testspace").metadata == {"a": 2, "c": 3}
    assert client.get_or_create_collection("testspace").metadata == {"a": 2, "c": 3}
    assert client.get_or_create_collection("testspace2").metadata is None
    listed = {col.name: col.metadata for col in client.list_collections()}
    assert listed == {"testspace": {"a": 2, "c": 3}, "testspace2": None}


def test_metadata_int_float_round_trip_and_filters(client):
    c = client.create_collection("test_int_float")
    c.add(**RECORDS)
    g = c.get(ids=["id1"])
    assert type(g["metadatas"][0]["int_value"]) is int and type(g["metadatas"][0]["float_value"]) is float
    assert c.get(where={"int_value": {"$lt": 2}})["ids"] == ["id1"]
    assert c.get(where={"int_value": {"$lte": 2}})["ids"] == ["id1", "id2"]
    assert c.get(where={"float_value": {"$gt": 1.5}})["ids"] == ["id2"]
    assert c.get(where={"float_value": {"$gte": 1.001}})["ids"] == ["id1", "id2"]
    assert c.get(where={"string_value": {"$ne": "two"}})["ids"] == ["id1"]
    assert c.get(where={"int_value": {"$ne": 1}})["ids"] == ["id2"]
    assert c.get(where={"int_value": 1.0})["ids"] == ["id1"]
    c.update(ids=["id1"], metadatas=[{"int_value": 2.0}])
    assert c.get(ids="id1")["metadatas"][0]["int_value"] == 2.0


def test_update_then_query(client):
    c = client.create_collection("test_update_query")
    c.add(**RECORDS_ORIGIN)
    c.update(ids=["id1"], embeddings=[[0.1, 0.2, 0.3]], documents=["updated document"], metadatas=[{"foo": "bar"}])
    r = c.query(query_embeddings=[[0.1, 0.2, 0.3]], n_results=1, include=["embeddings", "documents", "metadatas"])
    assert r["ids"] == [["id1"]] and r["documents"] == [["updated document"]]
    assert r["metadatas"][0][0]["foo"] == "bar" and r["metadatas"][0][0]["int_value"] == 1  # merged
    np.testing.assert_allclose(r["embeddings"][0][0], [0.1, 0.2, 0.3], rtol=1e-6)


def test_upsert_after_delete_recreates(client):
    c = client.create_collection("test-upsert")
    c.add(
        ids=["id1", "id2", "id3"],
        embeddings=[[0, 0, 0], [1.2, 2.24, 3.2], [2.2, 3.24, 4.2]],
        documents=["first", "second", "third"],
        metadatas=[{"int_value": 1}, {"int_value": 2}, {"string_value": "three"}],
    )
    c.upsert(
        ids=["id1", "id4"],
        embeddings=[[3.0, 3.0, 1.1], [3.2, 4.24, 5.2]],
        documents=["even more first", "fourth"],
        metadatas=[{"int_value": 1, "string_value": "one_of_one"}, {"int_value": 4}],
    )
    assert c.count() == 4
    g = c.get(ids="id1", include=["embeddings", "metadatas", "documents"])
    assert g["metadatas"] == [{"int_value": 1, "string_value": "one_of_one"}] and g["documents"] == ["even more first"]
    c.delete(ids="id3")
    c.upsert(ids="id3", embeddings=[[1.1, 0.99, 2.21]], metadatas=[{"string_value": "a new string value"}])
    assert c.count() == 4
    g = c.get(ids=["id3"], include=["embeddings", "metadatas", "documents"])
    assert g["metadatas"] == [{"string_value": "a new string value"}] and g["documents"] == [None]


def test_dimension_errors_on_every_write_and_query(client):
    c = client.create_collection("dims")
    c.add(ids=["a"], embeddings=[[1.0, 2.0, 3.0]])
    for call in (
        lambda: c.add(ids=["b"], embeddings=[[1.0, 2.0]]),
        lambda: c.update(ids=["a"], embeddings=[[1.0, 2.0]]),
        lambda: c.upsert(ids=["a"], embeddings=[[1.0, 2.0]]),
        lambda: c.query(query_embeddings=[[1.0, 2.0]]),
    ):
        with pytest.raises(Exception, match="dimension"):
            call()


def test_index_params_and_spaces(client):
    c = client.create_collection("test_index_params", embedding_function=None)
    c.add(**RECORDS_ORIGIN)
    assert c.query(query_embeddings=[0.6, 1.12, 1.6], n_results=1)["distances"][0][0] > 4
    client.delete_collection("test_index_params")
    c = client.create_collection(
        "test_index_params", metadata={"hnsw:space": "cosine", "hnsw:construction_ef": 20, "hnsw:M": 5}
    )
    c.add(**RECORDS_ORIGIN)
    d = c.query(query_embeddings=[0.6, 1.12, 1.6], n_results=1)["distances"][0][0]
    assert -1e-12 < d < 1 + 1e-12
    client.delete_collection("test_index_params")
    c = client.create_collection("test_index_params", metadata={"hnsw:space": "ip"})
    c.add(**RECORDS_ORIGIN)
    assert c.query(query_embeddings=[0.6, 1.12, 1.6], n_results=1)["distances"][0][0] < -5
    with pytest.raises(errors.InvalidArgumentError):
        client.create_collection("bad_index_params", metadata={"hnsw:space": "foobar"})


def test_operations_on_a_deleted_collection(client):
    c = client.create_collection("gone")
    client.delete_collection("gone")
    for call in (
        lambda: c.add(**RECORDS),
        lambda: c.get(),
        lambda: c.count(),
        lambda: c.peek(),
        lambda: c.query(query_embeddings=[[1.0, 2.0, 3.0]]),
        lambda: c.update(ids=["id1"], metadatas=[{"k": 1}]),
        lambda: c.upsert(**RECORDS),
        lambda: c.delete(ids=["id1"]),
        lambda: c.modify(name="renamed"),
    ):
        with pytest.raises(errors.NotFoundError, match=r"Collection .* does not exist"):
            call()


def test_reopen_keeps_space_and_answers(tmp_path):
    import ochredb

    path = str(tmp_path / "db")
    first = ochredb.PersistentClient(path=path)
    hashing = ochredb.utils.embedding_functions.HashingEmbeddingFunction()  # explicit: CI has no model
    first.create_collection("test", metadata={"hnsw:space": "ip"}, embedding_function=hashing).add(
        ids="id1", documents="hello"
    )
    first.close()
    second = ochredb.PersistentClient(path=path)
    c = second.get_collection("test")
    assert c.metadata["hnsw:space"] == "ip"
    _shape_check(c.query(query_texts="hello", n_results=1, include=ALL), ALL, 1)
    second.close()
