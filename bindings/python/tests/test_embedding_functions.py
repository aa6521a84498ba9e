"""Embedding functions: built-ins, Python callables following chromadb's protocol, persistence of the
function's name, conflicts, and errors raised inside a Python function."""

import numpy as np
import pytest

import ochredb
from ochredb import errors
from ochredb.utils import embedding_functions as ef


class WordCount(ochredb.EmbeddingFunction):
    """Vectors of (length, vowels, 1): deterministic and easy to check."""

    calls = 0
    query_calls = 0

    def __call__(self, input):
        WordCount.calls += 1
        return [[float(len(s)), float(sum(ch in "aeiou" for ch in s)), 1.0] for s in input]

    @staticmethod
    def name():
        return "word_count"

    def get_config(self):
        return {"version": 1}


class QueryAware(WordCount):
    def embed_query(self, input):
        WordCount.query_calls += 1
        return [np.array([0.0, 0.0, 1.0], dtype=np.float32) for _ in input]


def test_hashing_embedding_function_is_callable():
    f = ef.HashingEmbeddingFunction()
    out = f(["hello world", "hello"])
    assert len(out) == 2 and all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in out)
    assert out[0].shape == (384,)
    assert np.linalg.norm(out[0]) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(f(["hello world"])[0], out[0])  # deterministic
    assert f.name() == "ochre_hashing" and f.get_config() == {"dim": 384}
    assert f.default_space() in ("l2", "cosine", "ip")
    small = ef.HashingEmbeddingFunction(dim=16)
    assert small(["x"])[0].shape == (16,)
    with pytest.raises(ValueError):
        ef.HashingEmbeddingFunction(dim=0)


def test_hashing_function_embeds_documents_and_query_texts(client):
    c = client.create_collection("docs", embedding_function=ef.HashingEmbeddingFunction())
    c.add(ids=["cat", "car"], documents=["the cat sat on the mat", "a fast red car"])
    r = c.query(query_texts="a cat on a mat", n_results=1)
    assert r["ids"] == [["cat"]]
    emb = c.get(ids="cat", include=["embeddings"])["embeddings"]
    np.testing.assert_allclose(emb[0], ef.HashingEmbeddingFunction()(["the cat sat on the mat"])[0], rtol=1e-6)


def test_python_embedding_function(client):
    c = client.create_collection("py-ef", embedding_function=WordCount())
    assert c.configuration_json["embedding_function"] == {
        "type": "known",
        "name": "word_count",
        "config": {"version": 1},
    }
    c.add(ids=["a", "b"], documents=["aaa", "xyzzy12"])
    np.testing.assert_allclose(c.get(include=["embeddings"])["embeddings"], [[3, 3, 1], [7, 0, 1]])
    assert c.query(query_texts=["aab"], n_results=1)["ids"] == [["a"]]
    # update embeds new documents; a metadata-only update does not call the function.
    before = WordCount.calls
    c.update(ids="a", metadatas={"m": 1})
    assert WordCount.calls == before
    c.update(ids="a", documents="eeeeeeee")
    np.testing.assert_allclose(c.get(ids="a", include=["embeddings"])["embeddings"], [[8, 8, 1]])
    c.upsert(ids="z", documents="zz")
    assert c.count() == 3


def test_embed_query_is_used_for_query_texts(client):
    c = client.create_collection("query-aware", embedding_function=QueryAware())
    c.add(ids=["a"], documents=["abc"])
    before = WordCount.query_calls
    c.query(query_texts=["anything"], n_results=1)
    assert WordCount.query_calls == before + 1


def test_plain_callable_and_numpy_output(client):
    def fn(input):
        return np.ones((len(input), 4), dtype=np.float64)

    class Legacy:
        def __call__(self, input):
            return fn(input)

    c = client.create_collection("legacy", embedding_function=Legacy())
    c.add(ids=["a", "b"], documents=["x", "y"])
    assert c.get(include=["embeddings"])["embeddings"].shape == (2, 4)
    # Without name(), the class name is recorded.
    assert c.configuration_json["embedding_function"]["name"] == "Legacy"


def test_exception_in_embedding_function_propagates(client):
    class Boom(Exception):
        pass

    class Broken:
        def __call__(self, input):
            raise Boom("model unavailable")

    c = client.create_collection("broken", embedding_function=Broken())
    with pytest.raises(Boom, match="model unavailable"):
        c.add(ids=["a"], documents=["x"])
    assert c.count() == 0
    with pytest.raises(Boom):
        c.query(query_texts=["x"])


def test_bad_embedding_function_output(client):
    class WrongCount:
        def __call__(self, input):
            return [[1.0]]

    c = client.create_collection("wrong", embedding_function=WrongCount())
    with pytest.raises(errors.InvalidArgumentError):
        c.add(ids=["a", "b"], documents=["x", "y"])

    class NotVectors:
        def __call__(self, input):
            return "nope"

    c2 = client.create_collection("notvec", embedding_function=NotVectors())
    with pytest.raises(ValueError):
        c2.add(ids=["a"], documents=["x"])


def test_get_collection_rebuilds_builtin_and_detects_conflicts(client):
    client.create_collection("builtin-ef", embedding_function=ef.HashingEmbeddingFunction(dim=32))
    g = client.get_collection("builtin-ef")
    g.add(ids=["a"], documents=["hello"])
    assert g.get(include=["embeddings"])["embeddings"].shape == (1, 32)
    client.create_collection("custom-ef", embedding_function=WordCount())
    with pytest.raises(errors.InvalidArgumentError, match="conflict"):
        client.get_collection("custom-ef", embedding_function=ef.HashingEmbeddingFunction(dim=8))
    same = client.get_collection("custom-ef", embedding_function=WordCount())
    same.add(ids=["x"], documents=["hey"])
    assert same.count() == 1


def test_no_embedding_function(client):
    c = client.create_collection("none-ef", embedding_function=None)
    assert c.configuration["embedding_function"] is None
    c.add(ids=["a"], embeddings=[[1.0, 2.0]], documents=["kept as text only"])
    assert c.get()["documents"] == ["kept as text only"]
    with pytest.raises(ValueError, match="embedding function"):
        c.add(ids=["b"], documents=["no way to embed"])


def test_images_are_embedded_by_the_python_function(client):
    class ImageEF:
        def __call__(self, input):
            return [np.asarray(img, dtype=np.float32).reshape(-1)[:2] for img in input]

    c = client.create_collection("images", embedding_function=ImageEF())
    c.add(ids=["i"], images=[np.array([[1.0, 2.0], [3.0, 4.0]])])
    np.testing.assert_allclose(c.get(include=["embeddings"])["embeddings"], [[1.0, 2.0]])
    r = c.query(query_images=[np.array([[1.0, 2.0]])], n_results=1)
    assert r["ids"] == [["i"]]


def test_registered_function_is_rebuilt_by_get_collection(client):
    from ochredb.utils.embedding_functions import known_embedding_functions, register_embedding_function

    @register_embedding_function
    class Scaled(ochredb.EmbeddingFunction):
        def __init__(self, factor=1.0):
            self.factor = factor

        def __call__(self, input):
            return [[self.factor * len(s), 1.0] for s in input]

        @staticmethod
        def name():
            return "scaled_test"

        def get_config(self):
            return {"factor": self.factor}

        @staticmethod
        def build_from_config(config):
            return Scaled(config["factor"])

    try:
        client.create_collection("registered", embedding_function=Scaled(2.0))
        again = client.get_collection("registered")  # no function given: rebuilt from the record
        assert isinstance(again._embedding_function, Scaled) and again._embedding_function.factor == 2.0
        again.add(ids=["a"], documents=["abc"])
        np.testing.assert_allclose(again.get(include=["embeddings"])["embeddings"], [[6.0, 1.0]])
        listed = [c for c in client.list_collections() if c.name == "registered"][0]
        assert listed.count() == 1
        goc = client.get_or_create_collection("registered")
        goc.add(ids=["b"], documents=["x"])
        np.testing.assert_allclose(goc.get(ids="b", include=["embeddings"])["embeddings"], [[2.0, 1.0]])
    finally:
        known_embedding_functions.pop("scaled_test", None)


def test_unknown_recorded_function_leaves_collection_without_one(client):
    client.create_collection("unknown-ef", embedding_function=WordCount())
    c = client.get_collection("unknown-ef")
    c.add(ids=["a"], embeddings=[[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="embedding function"):
        c.add(ids=["b"], documents=["needs word_count, which is not registered"])
