"""chromadb's Schema and index configuration classes: the JSON they build, create_index and
delete_index's rules, and the round trip through a collection."""

import pytest

import ochredb
from ochredb import (
    FtsIndexConfig,
    HnswIndexConfig,
    IntInvertedIndexConfig,
    K,
    Schema,
    SparseVectorIndexConfig,
    StringInvertedIndexConfig,
    VectorIndexConfig,
)
from ochredb.utils.embedding_functions import HashingEmbeddingFunction


def test_default_schema_json():
    j = Schema().serialize_to_json()
    assert j["defaults"]["string"] == {
        "fts_index": {"enabled": False, "config": {}},
        "string_inverted_index": {"enabled": True, "config": {}},
    }
    assert j["defaults"]["sparse_vector"] == {
        "sparse_vector_index": {"enabled": False, "config": {"embedding_function": {"type": "unknown"}}}
    }
    assert j["defaults"]["int"] == {"int_inverted_index": {"enabled": True, "config": {}}}
    assert j["keys"]["#document"]["string"]["fts_index"]["enabled"] is True
    vector = j["keys"]["#embedding"]["float_list"]["vector_index"]
    assert vector["enabled"] is True
    assert vector["config"] == {
        "source_key": "#document",
        "embedding_function": {"name": "default", "type": "known", "config": {}},
        "space": "l2",
    }


def test_create_and_delete_index_rules():
    s = Schema()
    s.create_index(StringInvertedIndexConfig(), key="color").delete_index(IntInvertedIndexConfig(), key="n")
    j = s.serialize_to_json()["keys"]
    assert j["color"] == {"string": {"string_inverted_index": {"enabled": True, "config": {}}}}
    assert j["n"] == {"int": {"int_inverted_index": {"enabled": False, "config": {}}}}
    s.create_index(VectorIndexConfig(space="cosine", embedding_function=HashingEmbeddingFunction(8), hnsw=HnswIndexConfig(ef_search=50)))
    vector = s.serialize_to_json()["keys"]["#embedding"]["float_list"]["vector_index"]["config"]
    assert vector["space"] == "cosine" and vector["hnsw"] == {"ef_search": 50} and vector["source_key"] == "#document"
    assert vector["embedding_function"]["name"] == "ochre_hashing"
    for call, message in [
        (lambda: s.create_index(), "Cannot enable all index types globally"),
        (lambda: s.create_index(FtsIndexConfig(), key="#embedding"), "managed automatically"),
        (lambda: s.create_index(StringInvertedIndexConfig(), key="#document"), "Only FtsIndexConfig"),
        (lambda: s.create_index(StringInvertedIndexConfig(), key="#other"), "reserved for system use"),
        (lambda: s.create_index(VectorIndexConfig(), key="v"), "cannot be enabled on specific keys"),
        (lambda: s.create_index(FtsIndexConfig(), key="title"), "only be enabled on #document"),
        (lambda: s.create_index(SparseVectorIndexConfig()), "must be created on a specific key"),
        (lambda: s.create_index(key="title"), "Cannot enable all index types for key"),
        (lambda: s.create_index(SparseVectorIndexConfig(source_key=K.DOCUMENT), key="sp"), "embedding_function must also"),
        (lambda: s.delete_index(VectorIndexConfig()), "not currently supported"),
        (lambda: s.delete_index(key="#embedding"), "Cannot modify #embedding"),
        (lambda: VectorIndexConfig(source_key="#id"), "source_key cannot begin with '#'"),
        (lambda: HnswIndexConfig(ef=3), "Invalid fields for HnswIndexConfig"),
    ]:
        with pytest.raises(ValueError, match=message):
            call()


def test_deserialize_round_trip():
    s = Schema().create_index(StringInvertedIndexConfig(), key="tag")
    again = Schema.deserialize_from_json(s.serialize_to_json())
    assert again == s
    assert again.keys["tag"].string.string_inverted_index.enabled is True
    assert again.keys["#embedding"].float_list.vector_index.config.space == "l2"


def test_collection_created_with_a_schema_returns_it(client):
    ef = HashingEmbeddingFunction(8)
    schema = Schema().create_index(VectorIndexConfig(space="ip", embedding_function=ef)).delete_index(
        IntInvertedIndexConfig(), key="year"
    )
    c = client.create_collection("with_schema", schema=schema, embedding_function=None)
    c.add(ids=["a"], embeddings=[[0.5] * 8], metadatas=[{"color": "red", "year": 2020}])
    got = client.get_collection("with_schema").schema
    assert isinstance(got, Schema)
    assert got.keys["#embedding"].float_list.vector_index.config.space == "ip"
    assert got.keys["year"].int_value.int_inverted_index.enabled is False
    assert got["keys"]["color"]["string"]["string_inverted_index"]["enabled"] is True
    assert c.configuration_json["hnsw"]["space"] == "ip"


def test_names_importable_as_in_chromadb():
    from ochredb.api.types import Schema as S2, SparseVectorIndexConfig as SV2

    assert S2 is Schema and SV2 is SparseVectorIndexConfig
    assert "Schema" in ochredb.__all__ and "Search" in ochredb.__all__
