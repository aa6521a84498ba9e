"""Collection schemas (Chroma 1.4's Schema, as JSON) and get_indexing_status through ochredb."""

import pytest

import ochredb


def test_default_schema_and_keys_added_as_written(client):
    c = client.create_collection("plain", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    s = c.schema
    vi = s["keys"]["#embedding"]["float_list"]["vector_index"]
    assert vi["enabled"] is True
    assert vi["config"]["space"] == "cosine"
    assert vi["config"]["source_key"] == "#document"
    assert s["keys"]["#document"]["string"]["fts_index"]["enabled"] is True
    c.add(ids=["a"], embeddings=[[1.0, 2.0]], metadatas=[{"color": "red", "n": 3}])
    keys = c.schema["keys"]
    assert keys["color"]["string"]["string_inverted_index"] == {"enabled": True, "config": {}}
    assert keys["n"] == {"int": {"int_inverted_index": {"enabled": True, "config": {}}}}


def test_schema_sets_space_and_embedding_function(client):
    schema = {
        "defaults": {},
        "keys": {
            "#embedding": {
                "float_list": {
                    "vector_index": {
                        "enabled": True,
                        "config": {"space": "ip", "embedding_function": {"type": "legacy"}},
                    }
                }
            }
        },
    }
    c = client.create_collection("from_schema", schema=schema, embedding_function=None)
    assert c.configuration_json["hnsw"]["space"] == "ip"
    assert c.configuration_json["embedding_function"] == {"type": "legacy"}
    assert c.schema["defaults"]["float_list"]["vector_index"]["config"]["space"] == "ip"


@pytest.mark.parametrize(
    "schema",
    [
        {"keys": {}},
        {"defaults": {"strung": {}}, "keys": {}},
        {"defaults": {}, "keys": {"x": {"string": {"fts_index": {"enabled": True, "config": {}}}}}},
    ],
)
def test_malformed_schema_is_refused_and_creates_nothing(client, schema):
    with pytest.raises(ochredb.errors.InvalidArgumentError):
        client.create_collection("bad", schema=schema, embedding_function=None)
    assert client.count_collections() == 0


def test_get_indexing_status(client):
    c = client.create_collection("idx", embedding_function=None)
    s = c.get_indexing_status()
    assert (s.num_indexed_ops, s.num_unindexed_ops, s.total_ops, s.op_indexing_progress) == (0, 0, 0, 1.0)
    n = 3000
    c.add(ids=[str(i) for i in range(n)], embeddings=[[float(i % 7), float(i % 11), float(i)] for i in range(n)])
    s = c.get_indexing_status()
    assert s.total_ops == n
    assert s.num_indexed_ops + s.num_unindexed_ops == n
    assert 0.0 <= s.op_indexing_progress <= 1.0
    assert s.op_indexing_progress == pytest.approx(s.num_indexed_ops / n)
    # A deleted collection answers NotFound.
    client.delete_collection("idx")
    with pytest.raises(ochredb.errors.NotFoundError):
        c.get_indexing_status()
