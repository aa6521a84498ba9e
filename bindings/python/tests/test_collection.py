"""Collection methods: chromadb's defaults, result shapes key by key (CHROMA_SPEC §1.3, §3) and errors."""

import numpy as np
import pytest

from ochredb import errors

GET_KEYS = ["ids", "embeddings", "documents", "uris", "included", "data", "metadatas"]
QUERY_KEYS = GET_KEYS + ["distances"]


def _seed(c):
    c.add(
        ids=["a", "b", "c", "d"],
        embeddings=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]],
        documents=["apple pie", "banana split", None, "Cherry tart"],
        metadatas=[{"n": 1, "tag": "x"}, {"n": 2, "tag": "y"}, None, {"n": 4.5, "flag": True}],
        uris=["u://a", None, "u://c", "u://d"],
    )


def test_get_default_shape(collection):
    _seed(collection)
    r = collection.get()
    assert list(r.keys()) == GET_KEYS
    assert r["ids"] == ["a", "b", "c", "d"]  # insertion order
    assert r["embeddings"] is None
    assert r["documents"] == ["apple pie", "banana split", None, "Cherry tart"]
    assert r["uris"] is None
    assert r["included"] == ["metadatas", "documents"]
    assert r["data"] is None
    # "c" has a uri and no metadata: Chroma keeps the uri as a hidden metadata key, so it reads {}
    # (verified on Chroma 1.4.4); "b" has neither and reads None.
    assert r["metadatas"] == [{"n": 1, "tag": "x"}, {"n": 2, "tag": "y"}, {}, {"n": 4.5, "flag": True}]


def test_get_include_everything(collection):
    _seed(collection)
    r = collection.get(ids="b", include=["embeddings", "uris", "documents", "metadatas"])
    assert r["ids"] == ["b"]
    assert isinstance(r["embeddings"], np.ndarray) and r["embeddings"].shape == (1, 2)
    np.testing.assert_allclose(r["embeddings"], [[0.0, 1.0]])
    assert r["uris"] == [None]
    assert r["included"] == ["embeddings", "uris", "documents", "metadatas"]
    r = collection.get(include=[])
    assert r["ids"] == ["a", "b", "c", "d"]
    assert r["documents"] is None and r["metadatas"] is None and r["embeddings"] is None
    assert r["included"] == []


def test_get_ids_are_in_insertion_order_not_request_order(collection):
    _seed(collection)
    assert collection.get(ids=["d", "a"])["ids"] == ["a", "d"]


def test_get_missing_ids_and_empty_collection(collection):
    r = collection.get(include=["documents", "metadatas", "embeddings"])
    assert r["ids"] == [] and r["documents"] == [] and r["metadatas"] == []
    assert isinstance(r["embeddings"], np.ndarray) and r["embeddings"].size == 0
    _seed(collection)
    assert collection.get(ids=["nope"])["ids"] == []


def test_get_limit_offset_where(collection):
    _seed(collection)
    assert collection.get(limit=2)["ids"] == ["a", "b"]
    assert collection.get(offset=1, limit=2)["ids"] == ["b", "c"]
    assert collection.get(offset=3)["ids"] == ["d"]
    assert collection.get(where={"n": {"$gt": 1}})["ids"] == ["b", "d"]
    assert collection.get(where={"n": 2.0})["ids"] == ["b"]  # int and float compare across types
    assert collection.get(where={"tag": {"$ne": "x"}})["ids"] == ["b", "c", "d"]  # $ne matches missing keys
    assert collection.get(where={"$and": [{"n": {"$gte": 1}}, {"n": {"$lt": 4}}]})["ids"] == ["a", "b"]
    assert collection.get(where={"$or": [{"tag": "x"}, {"flag": True}]})["ids"] == ["a", "d"]
    assert collection.get(where={"tag": {"$in": ["x", "y"]}})["ids"] == ["a", "b"]
    assert collection.get(where_document={"$contains": "an"})["ids"] == ["b"]
    assert collection.get(where_document={"$contains": "cherry"})["ids"] == []  # case-sensitive
    assert collection.get(where_document={"$not_contains": "apple"})["ids"] == ["b", "c", "d"]
    assert collection.get(where_document={"$regex": "(?i)cherry"})["ids"] == ["d"]
    assert collection.get(ids=["a", "b", "d"], where={"n": {"$gt": 1}}, limit=1)["ids"] == ["b"]


@pytest.mark.parametrize(
    "where",
    [
        {},
        {"a": 1, "b": 2},
        {"$and": [{"a": 1}]},
        {"a": {"$gt": "x"}},
        {"a": {"$in": []}},
        {"a": {"$in": [1, "x"]}},
        {"a": {"$bad": 1}},
        {"a": {"$eq": 1, "$ne": 2}},
        "not a dict",
    ],
)
def test_invalid_where_raises_value_error(collection, where):
    with pytest.raises(ValueError):
        collection.get(where=where)


@pytest.mark.parametrize("where_document", [{}, {"$contains": ""}, {"$contains": 1}, {"$bad": "x"}, {"$and": []}])
def test_invalid_where_document_raises_value_error(collection, where_document):
    with pytest.raises(ValueError):
        collection.get(where_document=where_document)


def test_invalid_include(collection):
    with pytest.raises(ValueError, match="Include item cannot be one of distances"):
        collection.get(include=["distances"])
    with pytest.raises(ValueError):
        collection.get(include=["bogus"])
    with pytest.raises(ValueError):
        collection.get(include="documents")
    with pytest.raises(ValueError, match="data loader"):
        collection.get(include=["data"])


def test_peek(collection):
    _seed(collection)
    r = collection.peek()
    assert list(r.keys()) == GET_KEYS
    assert r["ids"] == ["a", "b", "c", "d"]
    assert r["included"] == ["metadatas", "documents", "embeddings"]
    assert r["embeddings"].shape == (4, 2)
    assert collection.peek(limit=2)["ids"] == ["a", "b"]


def test_count(collection):
    assert collection.count() == 0
    _seed(collection)
    assert collection.count() == 4


def test_query_default_shape_and_order(collection):
    _seed(collection)
    r = collection.query(query_embeddings=[1.0, 0.0])
    assert list(r.keys()) == QUERY_KEYS
    assert r["ids"] == [["a", "c", "b", "d"]]
    assert r["distances"][0] == pytest.approx([0.0, 1.0, 2.0, 4.0])  # squared L2
    assert r["included"] == ["metadatas", "documents", "distances"]
    assert r["documents"] == [["apple pie", None, "banana split", "Cherry tart"]]
    assert r["metadatas"][0][1] == {}  # "c": a uri and no metadata reads {}, as in Chroma
    assert r["embeddings"] is None and r["uris"] is None and r["data"] is None


def test_query_many_vectors_and_include(collection):
    _seed(collection)
    q = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    r = collection.query(query_embeddings=q, n_results=2, include=["embeddings", "uris", "distances"])
    assert r["ids"] == [["a", "c"], ["b", "c"]]
    assert len(r["embeddings"]) == 2 and all(isinstance(e, np.ndarray) for e in r["embeddings"])
    np.testing.assert_allclose(r["embeddings"][1], [[0.0, 1.0], [1.0, 1.0]])
    assert r["uris"] == [["u://a", "u://c"], [None, "u://c"]]
    assert r["documents"] is None and r["metadatas"] is None


def test_query_filters_and_ids(collection):
    _seed(collection)
    r = collection.query(query_embeddings=[[1.0, 0.0]], where={"n": {"$gte": 2}})
    assert r["ids"] == [["b", "d"]]
    r = collection.query(query_embeddings=[[1.0, 0.0]], where_document={"$contains": "a"})
    assert set(r["ids"][0]) == {"a", "b", "d"}
    r = collection.query(query_embeddings=[[1.0, 0.0]], ids=["b", "d"], n_results=1)
    assert r["ids"] == [["b"]]
    r = collection.query(query_embeddings=[[1.0, 0.0]], where={"tag": "nothing"})
    assert r["ids"] == [[]] and r["distances"] == [[]] and r["documents"] == [[]] and r["metadatas"] == [[]]


def test_query_empty_collection_and_too_many_results(collection):
    assert collection.query(query_embeddings=[[1.0, 2.0, 3.0]])["ids"] == [[]]
    _seed(collection)
    assert len(collection.query(query_embeddings=[[1.0, 0.0]], n_results=100)["ids"][0]) == 4


def test_query_errors(collection):
    _seed(collection)
    with pytest.raises(TypeError, match="cannot be negative, or zero"):
        collection.query(query_embeddings=[[1.0, 0.0]], n_results=0)
    with pytest.raises(TypeError):
        collection.query(query_embeddings=[[1.0, 0.0]], n_results=-3)
    with pytest.raises(ValueError):
        collection.query(query_embeddings=[[1.0, 0.0]], n_results="5")
    with pytest.raises(ValueError):
        collection.query()
    # Embeddings win over texts given beside them, as in chromadb.
    assert collection.query(query_embeddings=[[1.0, 0.0]], query_texts=["x"], n_results=1)["ids"] == [["a"]]
    with pytest.raises(errors.InvalidArgumentError, match="dimension"):
        collection.query(query_embeddings=[[1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="embedding function"):
        collection.query(query_texts=["no function here"])


def test_add_single_values_are_wrapped(collection):
    collection.add(ids="one", embeddings=[0.5, 0.5], metadatas={"k": "v"}, documents="solo", uris="u://1")
    r = collection.get(ids="one", include=["metadatas", "documents", "uris", "embeddings"])
    assert r["ids"] == ["one"] and r["documents"] == ["solo"] and r["metadatas"] == [{"k": "v"}]
    assert r["uris"] == ["u://1"]
    np.testing.assert_allclose(r["embeddings"], [[0.5, 0.5]])


@pytest.mark.parametrize(
    "embeddings",
    [
        np.array([[1, 2], [3, 4]], dtype=np.float32),
        np.array([[1, 2], [3, 4]], dtype=np.float64),
        np.array([[1, 2], [3, 4]], dtype=np.int64),
        np.array([[1, 2], [3, 4]], dtype=np.float16),
        np.asfortranarray(np.array([[1, 2], [3, 4]], dtype=np.float32)),
        [np.array([1, 2], dtype=np.float32), np.array([3, 4], dtype=np.float64)],
        [[1, 2], [3.0, 4.0]],
    ],
)
def test_embedding_input_forms(collection, embeddings):
    collection.add(ids=["x", "y"], embeddings=embeddings)
    np.testing.assert_allclose(collection.get(include=["embeddings"])["embeddings"], [[1, 2], [3, 4]])


def test_add_validation_errors(collection):
    with pytest.raises(errors.DuplicateIDError, match="Expected IDs to be unique, found duplicates of: a"):
        collection.add(ids=["a", "a"], embeddings=[[1.0], [2.0]])
    with pytest.raises(errors.DuplicateIDError):
        collection.upsert(ids=["a", "a"], embeddings=[[1.0], [2.0]])
    with pytest.raises(ValueError, match="Unequal lengths for fields: ids: 2, embeddings: 1"):
        collection.add(ids=["a", "b"], embeddings=[[1.0]])
    with pytest.raises(ValueError, match="non-empty"):
        collection.add(ids=[], embeddings=[])
    with pytest.raises(ValueError, match="Expected ID to be a str"):
        collection.add(ids=[1], embeddings=[[1.0]])
    with pytest.raises(ValueError, match="non-empty dict"):
        collection.add(ids=["a"], embeddings=[[1.0]], metadatas=[{}])
    with pytest.raises(ValueError):
        collection.add(ids=["a"], embeddings=[[1.0]], metadatas=[{"k": {"nested": 1}}])
    with pytest.raises(ValueError):
        collection.add(ids=["a"], embeddings=[[1.0]], metadatas=[{"k": [1, "x"]}])
    with pytest.raises(ValueError, match="reserved key"):
        collection.add(ids=["a"], embeddings=[[1.0]], metadatas=[{"chroma:document": "x"}])
    with pytest.raises(errors.InvalidArgumentError):
        collection.add(ids=["a"], embeddings=[[1.0]], metadatas=[{"$bad": 1}])
    with pytest.raises(errors.InvalidArgumentError, match="NaN"):
        collection.add(ids=["a"], embeddings=[[float("nan")]])
    with pytest.raises(errors.InvalidArgumentError, match="Inconsistent dimensions"):
        collection.add(ids=["a", "b"], embeddings=[[1.0], [1.0, 2.0]])
    with pytest.raises(ValueError):
        collection.add(ids=["a"], embeddings=[[]])
    with pytest.raises(ValueError, match="embedding function"):
        collection.add(ids=["a"], documents=["needs a function"])
    with pytest.raises(ValueError):
        collection.add(ids=["a"])
    with pytest.raises(errors.InvalidArgumentError, match="Empty ID"):
        collection.add(ids=[""], embeddings=[[1.0]])
    assert collection.count() == 0  # every failed batch left nothing behind


def test_validation_messages_name_the_method(collection):
    with pytest.raises(ValueError) as e:
        collection.add(ids=["a", "b"], embeddings=[[1.0]])
    assert str(e.value).endswith(" in add.")


def test_dimension_is_fixed_by_first_write(collection):
    collection.add(ids=["a"], embeddings=[[1.0, 2.0]])
    with pytest.raises(errors.InvalidArgumentError, match="dimension"):
        collection.add(ids=["b"], embeddings=[[1.0, 2.0, 3.0]])
    with pytest.raises(errors.InvalidArgumentError, match="dimension"):
        collection.upsert(ids=["a"], embeddings=[[1.0]])


def test_batch_size_limit(client, name):
    c = client.create_collection(name, embedding_function=None)
    n = client.get_max_batch_size() + 1
    with pytest.raises(ValueError, match="max batch size"):
        c.add(ids=[str(i) for i in range(n)], embeddings=np.zeros((n, 1), dtype=np.float32))


def test_add_existing_id_is_ignored(collection):
    collection.add(ids=["a"], embeddings=[[1.0]], documents=["first"])
    collection.add(ids=["a", "b"], embeddings=[[9.0], [2.0]], documents=["second", "bee"])
    r = collection.get(include=["documents", "embeddings"])
    assert r["ids"] == ["a", "b"] and r["documents"] == ["first", "bee"]
    np.testing.assert_allclose(r["embeddings"], [[1.0], [2.0]])


def test_update_merges_metadata_and_ignores_missing(collection):
    collection.add(ids=["a", "b"], embeddings=[[1.0], [2.0]], metadatas=[{"k": 1, "drop": "x"}, None], documents=["d", "e"])
    collection.update(ids=["a", "zzz"], metadatas=[{"new": True, "drop": None}, {"z": 1}])
    r = collection.get(ids=["a", "zzz"])
    assert r["ids"] == ["a"]
    assert r["metadatas"] == [{"k": 1, "new": True}]
    assert r["documents"] == ["d"]
    collection.update(ids="b", embeddings=[5.0], documents="changed")
    r = collection.get(ids="b", include=["embeddings", "documents"])
    assert r["documents"] == ["changed"]
    np.testing.assert_allclose(r["embeddings"], [[5.0]])
    assert collection.count() == 2


def test_upsert_inserts_and_updates_keeping_position(collection):
    collection.add(ids=["a", "b"], embeddings=[[1.0], [2.0]], metadatas=[{"v": 1}, {"v": 2}])
    collection.upsert(ids=["c", "a"], embeddings=[[3.0], [10.0]], metadatas=[{"v": 3}, {"w": 0}])
    r = collection.get(include=["metadatas", "embeddings"])
    assert r["ids"] == ["a", "b", "c"]
    assert r["metadatas"] == [{"v": 1, "w": 0}, {"v": 2}, {"v": 3}]
    np.testing.assert_allclose(r["embeddings"], [[10.0], [2.0], [3.0]])


def test_delete(collection):
    _seed(collection)
    assert collection.delete(ids=["a", "missing"]) == {"deleted": 2}  # len(ids), as chromadb
    assert collection.get()["ids"] == ["b", "c", "d"]
    assert collection.delete(where={"n": {"$gt": 0}}) == {"deleted": 2}
    assert collection.get()["ids"] == ["c"]
    collection.add(ids=["e", "f", "g"], embeddings=[[1.0, 1.0]] * 3, metadatas=[{"t": 1}] * 3)
    assert collection.delete(where={"t": 1}, limit=2) == {"deleted": 2}
    assert collection.delete(where={"t": 1}, limit=0) == {"deleted": 0}
    assert collection.count() == 2
    assert collection.delete(where_document={"$contains": "nothing matches"}) == {"deleted": 0}


def test_delete_errors(collection):
    with pytest.raises(ValueError, match="At least one of ids, where, or where_document must be provided"):
        collection.delete()
    with pytest.raises(ValueError, match="limit can only be specified"):
        collection.delete(ids=["a"], limit=1)
    with pytest.raises(ValueError):
        collection.delete(where={"a": 1}, limit=-1)
    with pytest.raises(TypeError):
        collection.delete(where={"a": 1}, limit="2")
    with pytest.raises(errors.DuplicateIDError):
        collection.delete(ids=["a", "a"])


def test_modify(client, name):
    c = client.create_collection(name, metadata={"a": 1})
    c.modify(metadata={"b": 2})
    assert c.metadata == {"b": 2}  # replaced, not merged
    assert client.get_collection(name).metadata == {"b": 2}
    c.modify(name=name + "-renamed")
    assert c.name == name + "-renamed"
    assert client.get_collection(name + "-renamed").id == c.id
    with pytest.raises(errors.NotFoundError):
        client.get_collection(name)
    client.create_collection("other-one")
    with pytest.raises(errors.ChromaError):
        c.modify(name="other-one")
    with pytest.raises(ValueError, match="Changing the distance function"):
        c.modify(metadata={"hnsw:space": "cosine"})
    c.modify(configuration={"hnsw": {"ef_search": 42}})
    assert c.configuration_json["hnsw"]["ef_search"] == 42
    assert c.configuration_json["hnsw"]["ef_construction"] == 100


def test_configuration(client):
    c = client.create_collection("cfg-default")
    cfg = c.configuration_json
    assert cfg["hnsw"] == {
        "space": "l2",
        "ef_construction": 100,
        "ef_search": 100,
        "max_neighbors": 16,
        "resize_factor": 1.2,
        "sync_threshold": 1000,
    }
    assert cfg["embedding_function"]["type"] == "known"
    assert c.configuration["hnsw"]["space"] == "l2"
    c2 = client.create_collection("cfg-cos", configuration={"hnsw": {"space": "cosine", "ef_search": 7}})
    assert c2.configuration_json["hnsw"]["space"] == "cosine"
    assert c2.configuration_json["hnsw"]["ef_search"] == 7
    c3 = client.create_collection("cfg-meta", metadata={"hnsw:space": "ip"})
    assert c3.configuration_json["hnsw"]["space"] == "ip"
    assert c3.metadata == {"hnsw:space": "ip"}
    c4 = client.create_collection("cfg-spann", configuration={"spann": {"space": "cosine"}})
    assert c4.configuration_json["hnsw"]["space"] == "cosine"
    with pytest.raises(errors.InvalidArgumentError):
        client.create_collection("cfg-both", configuration={"hnsw": {}, "spann": {}})
    with pytest.raises(errors.InvalidArgumentError):
        client.create_collection("cfg-bad", metadata={"hnsw:space": "foobar"})
    with pytest.raises(errors.InvalidArgumentError):
        client.create_collection("cfg-bad2", configuration={"hnsw": {"space": "manhattan"}})


@pytest.mark.parametrize("space", ["l2", "cosine", "ip"])
def test_distances_per_space(client, space):
    c = client.create_collection("space-" + space, configuration={"hnsw": {"space": space}}, embedding_function=None)
    c.add(ids=["v"], embeddings=[[3.0, 4.0]])
    d = c.query(query_embeddings=[[1.0, 0.0]], n_results=1)["distances"][0][0]
    expected = {"l2": 4.0 + 16.0, "cosine": 1.0 - 3.0 / 5.0, "ip": 1.0 - 3.0}[space]
    assert d == pytest.approx(expected, abs=1e-5)
    # get returns the vector as given, even for cosine.
    np.testing.assert_allclose(c.get(include=["embeddings"])["embeddings"], [[3.0, 4.0]])


def test_not_implemented_locally(collection):
    with pytest.raises(NotImplementedError):
        collection.fork("x")
    assert collection.search([]) == {"ids": [], "documents": [], "embeddings": [], "metadatas": [], "scores": [], "select": []}


def test_data_loader(client):
    loaded = []

    def loader(uris):
        loaded.append(list(uris))
        return [f"data:{u}" for u in uris]

    c = client.create_collection("with-loader", embedding_function=None, data_loader=loader)
    c.add(ids=["a"], embeddings=[[1.0]], uris=["u://a"])
    r = c.get(include=["data"])
    assert r["data"] == ["data:u://a"] and r["included"] == ["data", "uris"]
    r = c.query(query_embeddings=[[1.0]], include=["data"])
    assert r["data"] == [["data:u://a"]]


def test_invalid_embedding_values(collection):
    for bad in ([["0", "0", "0"], ["1.2", "2.24", "3.2"]], [[[0], [0], [0]], [[1.2], [2.24], [3.2]]], [[True, False]]):
        with pytest.raises(ValueError, match="embedding"):
            collection.add(ids=[f"id{i}" for i in range(len(bad))], embeddings=bad)
    with pytest.raises(ValueError, match="embedding"):
        collection.query(query_embeddings=[["1.1", "2.3", "3.2"]], n_results=1)
    with pytest.raises(ValueError, match="embedding"):
        collection.upsert(ids=["a", "b"], embeddings=[[[1.1, 2.3, 3.2]], [[1.2, 2.24, 3.2]]])
    with pytest.raises(ValueError, match="embedding"):
        collection.add(ids=["a"], embeddings=np.array([["x", "y"]]))
    assert collection.count() == 0


def test_invalid_ids_name_the_problem(collection):
    with pytest.raises(ValueError, match="ID"):
        collection.add(embeddings=[0, 0, 0], ids=[1], metadatas=[{}])
    with pytest.raises(ValueError, match="ID"):
        collection.get(ids=1)
    with pytest.raises(ValueError, match="ID"):
        collection.delete(ids=["valid", 0])
