"""Sparse vectors as metadata values, and chromadb's ChromaBm25EmbeddingFunction (native)."""

import math

import pytest

import ochredb
from ochredb.base_types import SparseVector
from ochredb.utils.embedding_functions import ChromaBm25EmbeddingFunction, sparse_known_embedding_functions


def test_sparse_vector_round_trips(any_client, name):
    c = any_client.create_collection(name, embedding_function=None)
    a = SparseVector(indices=[1, 5, 4000000000], values=[0.5, -1.25, 0.1], labels=["x", "y", "z"])
    c.add(ids=["a", "b"], embeddings=[[1.0, 0.0], [0.0, 1.0]], metadatas=[{"sv": a, "n": 1}, {"sv": SparseVector([2], [3.0])}])
    got = c.get(ids=["a", "b"], include=["metadatas"])
    back = got["metadatas"][0]["sv"]
    assert isinstance(back, SparseVector)
    assert back.indices == [1, 5, 4000000000]
    # float32 in the engine, as in Chroma
    assert back.values[:2] == [0.5, -1.25]
    assert math.isclose(back.values[2], 0.1, rel_tol=1e-7)
    assert back.labels == ["x", "y", "z"]
    assert got["metadatas"][1]["sv"] == SparseVector([2], [3.0])
    assert got["metadatas"][0]["n"] == 1
    q = c.query(query_embeddings=[[1.0, 0.0]], n_results=1, include=["metadatas"])
    assert q["metadatas"][0][0]["sv"].indices == [1, 5, 4000000000]
    assert "sv" in c.schema["keys"] and "sparse_vector" in c.schema["keys"]["sv"]


def test_invalid_sparse_vectors_change_nothing(collection):
    bad = SparseVector([1, 2], [1.0, 2.0])
    bad.indices = [2, 1]  # past the dataclass check: the engine's own rules apply
    with pytest.raises(ochredb.errors.InvalidArgumentError, match="strictly ascending"):
        collection.add(ids=["ok", "bad"], embeddings=[[1, 1], [2, 2]], metadatas=[{"sv": SparseVector([1], [1.0])}, {"sv": bad}])
    nan = SparseVector([1], [1.0])
    nan.values = [float("nan")]
    with pytest.raises(ochredb.errors.InvalidArgumentError, match="finite"):
        collection.add(ids=["n"], embeddings=[[1, 1]], metadatas=[{"sv": nan}])
    assert collection.count() == 0


def test_bm25_function_as_chromadb():
    ef = ChromaBm25EmbeddingFunction()
    assert ef.name() == "chroma_bm25"
    assert sparse_known_embedding_functions["chroma_bm25"] is ChromaBm25EmbeddingFunction
    assert ef.get_config() == {"k": 1.2, "b": 0.75, "avg_doc_length": 256.0, "token_max_length": 40, "include_tokens": False}
    (v,) = ef(["cats cats dog"])
    assert isinstance(v, SparseVector) and len(v.indices) == 2 and v.indices == sorted(v.indices)
    tf2 = 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / 256))
    assert max(v.values) == pytest.approx(tf2, rel=1e-6)
    assert ef.embed_query(["cats cats dog"]) == [v]
    assert ef([]) == []
    assert ef(["the and of"])[0].indices == []
    with_tokens = ChromaBm25EmbeddingFunction(include_tokens=True)(["dogs running"])[0]
    assert sorted(with_tokens.labels) == ["dog", "run"]
    again = ChromaBm25EmbeddingFunction.build_from_config(ChromaBm25EmbeddingFunction(k=1.5, stopwords=["x"]).get_config())
    assert again.get_config()["k"] == 1.5 and again.get_config()["stopwords"] == ["x"]
    with pytest.raises(ValueError, match="Updating 'foo'"):
        ef.validate_config_update({}, {"foo": 1})


def test_documents_fill_the_sparse_key_from_the_schema(client, name):
    ef = ChromaBm25EmbeddingFunction()
    schema = {
        "defaults": {},
        "keys": {
            "bm25": {
                "sparse_vector": {
                    "sparse_vector_index": {
                        "enabled": True,
                        "config": {
                            "source_key": "#document",
                            "bm25": True,
                            "embedding_function": {"type": "known", "name": "chroma_bm25", "config": ef.get_config()},
                        },
                    }
                }
            }
        },
    }
    c = client.create_collection(name, schema=schema, embedding_function=None)
    c.add(ids=["a", "b"], embeddings=[[1, 0], [0, 1]], documents=["dogs running fast", "cats sleeping"], metadatas=[None, {"k": 1}])
    got = c.get(include=["metadatas"])
    assert got["metadatas"][0]["bm25"] == ef(["dogs running fast"])[0]
    assert got["metadatas"][1]["bm25"] == ef(["cats sleeping"])[0] and got["metadatas"][1]["k"] == 1
    # An explicit value is kept as given.
    c.upsert(ids=["a"], embeddings=[[1, 0]], documents=["x"], metadatas=[{"bm25": SparseVector([1], [1.0])}])
    assert c.get(ids=["a"], include=["metadatas"])["metadatas"][0]["bm25"] == SparseVector([1], [1.0])
