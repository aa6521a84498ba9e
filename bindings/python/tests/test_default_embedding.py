"""The default embedding function: chromadb's all-MiniLM-L6-v2 computed natively (DefaultEmbeddingFunction,
ONNXMiniLM_L6_V2), its names, the error without a model, and the vectors on a generated model.

CI has no real weights: a random-weight model with MiniLM's architecture (small vocabulary) is written
by build/ochre_embed_tool (the generator tests/embed uses); the real-weights test skips without a model.
"""

import json
import os
import shutil
import subprocess
import threading
import time

import numpy as np
import pytest

from ochredb import errors
from ochredb.utils import embedding_functions as ef

from conftest import ROOT


def _embed_tool():
    for c in [os.environ.get("OCHREDB_BUILD_DIR", ""), "build", "build-python"]:
        if not c:
            continue
        p = os.path.join(c if os.path.isabs(c) else os.path.join(ROOT, c), "ochre_embed_tool")
        if os.access(p, os.X_OK):
            return p
    return shutil.which("ochre_embed_tool")


def _vocab(n):
    # BERT's layout: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, then pieces.
    lines = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = "abcdefghijklmnopqrstuvwxyz"
    lines += list(letters) + ["##" + c for c in letters] + list(".,!?")
    lines += ["the", "cat", "sat", "on", "mat", "dog", "car", "fast", "red", "a", "vector", "search"]
    lines += [f"w{i}" for i in range(n - len(lines))]
    assert len(lines) == n
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    tool = _embed_tool()
    if tool is None:
        pytest.skip("ochre_embed_tool is not built (tests are off): no model generator")
    d = tmp_path_factory.mktemp("minilm")
    subprocess.run([tool, "gen-model", str(d / "model.onnx"), "1000", "5"], check=True)
    (d / "vocab.txt").write_text(_vocab(1000))
    return str(d)


def test_names_and_configs_are_chromadbs():
    assert ef.DefaultEmbeddingFunction.name() == "default"
    assert ef.DefaultEmbeddingFunction().get_config() == {}
    assert ef.ONNXMiniLM_L6_V2.name() == "onnx_mini_lm_l6_v2"
    assert isinstance(ef.DefaultEmbeddingFunction.build_from_config({}), ef.DefaultEmbeddingFunction)
    assert isinstance(ef.ONNXMiniLM_L6_V2.build_from_config({}), ef.ONNXMiniLM_L6_V2)
    assert ef.HashingEmbeddingFunction().name() == "ochre_hashing"


def test_collections_get_the_default_and_record_it_without_needing_a_model(client):
    c = client.create_collection("implicit")
    assert c.configuration_json["embedding_function"] == {"type": "known", "name": "default", "config": {}}
    again = client.get_collection("implicit")
    assert isinstance(again._embedding_function, ef.DefaultEmbeddingFunction)
    c.add(ids=["e"], embeddings=[[0.0] * 384])  # explicit embeddings need no model
    assert c.count() == 1
    o = client.create_collection("onnx", embedding_function=ef.ONNXMiniLM_L6_V2())
    assert o.configuration_json["embedding_function"]["name"] == "onnx_mini_lm_l6_v2"
    h = client.create_collection("hashing", embedding_function=ef.HashingEmbeddingFunction())
    h.add(ids=["a"], documents=["offline works"])
    assert client.get_collection("hashing").query(query_texts=["offline"], n_results=1)["ids"] == [["a"]]


def test_without_a_model_embedding_fails_naming_the_paths_and_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("OCHRE_OFFLINE", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OCHRE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OCHRE_MODEL_DIR", str(tmp_path / "nothing-here"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    with pytest.raises(errors.ChromaError) as e:
        ef.DefaultEmbeddingFunction()(["hello"])
    msg = str(e.value)
    assert "nothing-here" in msg and str(tmp_path / "cache") in msg
    assert "ochre model pull" in msg and "ochre model import" in msg


def test_generated_model_vectors(model_dir, client):
    f = ef.DefaultEmbeddingFunction(model_dir=model_dir)
    out = f(["the cat sat on the mat", "a fast red car", ""])
    assert len(out) == 3 and all(v.dtype == np.float32 and v.shape == (384,) for v in out)
    for v in out:
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(f(["a fast red car"])[0], out[1], atol=1e-6)  # batch-independent
    assert not np.allclose(out[0], out[1])
    # The same model under chromadb's other name gives the same vectors.
    np.testing.assert_allclose(ef.ONNXMiniLM_L6_V2(model_dir=model_dir)(["a fast red car"])[0], out[1], atol=1e-6)
    c = client.create_collection("gen", embedding_function=f)
    c.add(ids=["cat", "car"], documents=["the cat sat on the mat", "a fast red car"])
    # Embedded in another batch: the same to float rounding (the GEMM blocks differ), as above.
    np.testing.assert_allclose(c.get(ids="car", include=["embeddings"])["embeddings"][0], out[1], atol=1e-6)
    assert c.query(query_texts=["a fast red car"], n_results=1)["ids"] == [["car"]]
    assert c.configuration_json["embedding_function"]["name"] == "default"


def test_embedding_releases_the_gil(model_dir):
    # Another Python thread runs while the engine embeds (gil_scoped_release): it ticks in the middle
    # half of the call, when the call holds no GIL (before and after it, switching could explain ticks).
    f = ef.DefaultEmbeddingFunction(model_dir=model_dir)
    docs = ["the cat sat on the mat " * 40] * 64
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=count)
    t.start()
    try:
        t0 = time.perf_counter()
        f(docs)
        t1 = time.perf_counter()
    finally:
        done.set()
        t.join()
    lo, hi = t0 + 0.25 * (t1 - t0), t0 + 0.75 * (t1 - t0)
    assert any(lo < x < hi for x in ticks), f"no Python thread ran during {t1 - t0:.3f}s of embedding"


def test_bad_model_dir_is_a_clear_error(tmp_path):
    with pytest.raises(errors.ChromaError) as e:
        ef.DefaultEmbeddingFunction(model_dir=str(tmp_path))
    assert "model.onnx" in str(e.value) or "tokenizer.json" in str(e.value)


def test_real_weights_if_installed():
    try:
        v = ef.DefaultEmbeddingFunction()(["I like apples", "I like oranges", "The stock market fell"])
    except errors.ChromaError as e:
        pytest.skip(f"all-MiniLM-L6-v2 is not installed ({str(e)[:80]}...); `ochre model pull` to run this")
    a, b, c = v
    assert float(a @ b) > float(a @ c)  # semantic: fruit closer to fruit than to markets
    assert json.dumps(ef.DefaultEmbeddingFunction().get_config()) == "{}"
