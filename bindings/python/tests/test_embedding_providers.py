"""The HTTP embedding providers (OpenAI-compatible, Ollama, Hugging Face TEI) against stand-in servers
of those APIs started here on 127.0.0.1: embedding, add/query, the persisted chromadb descriptor,
get_collection rebuilding the function after a reopen, and the errors (server down, bad answers)."""

import http.server
import json
import threading

import numpy as np
import pytest

import ochredb
from ochredb.utils import embedding_functions as ef

DIM = 8


def fake_vector(text):
    """Letter-bucket counts: deterministic, and texts sharing letters are close."""
    v = [0.0] * DIM
    for ch in text.lower():
        if ch.isalpha():
            v[(ord(ch) - ord("a")) % DIM] += 1.0
    v[0] += 0.5  # never the zero vector
    return v


class StandIn:
    """A threaded http.server answering one provider's API; ``mode`` switches to bad answers."""

    def __init__(self):
        self.mode = "ok"
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, dict(self.headers), body))
                status, answer = outer.answer(self.path, body)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, path, body):
        if self.mode == "http500":
            return 500, {"error": "model not loaded"}
        if self.mode == "not_json":
            return 200, b"<html>oops</html>"
        if path == "/v1/embeddings":
            texts = body["input"]
            data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)} for i, t in enumerate(texts)]
            if self.mode == "short":
                data = data[:-1]
            if self.mode == "shape":
                return 200, {"embeddings": []}
            return 200, {"object": "list", "data": list(reversed(data)), "model": body["model"]}
        if path == "/api/embed":
            vecs = [fake_vector(t) for t in body["input"]]
            if self.mode == "short":
                vecs = vecs[:-1]
            if self.mode == "shape":
                return 200, {"embedding": vecs[0]}
            return 200, {"model": body["model"], "embeddings": vecs}
        if path == "/embed":
            vecs = [fake_vector(t) for t in body["inputs"]]
            if self.mode == "short":
                vecs = vecs[:-1]
            if self.mode == "shape":
                return 200, [["x"] * DIM for _ in vecs]
            return 200, vecs
        return 404, {"error": f"no route {path}"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def standin():
    s = StandIn()
    yield s
    s.close()


@pytest.fixture
def openai_key(monkeypatch):
    monkeypatch.setenv("OCHRE_TEST_OPENAI_KEY", "sk-local-secret")
    return "OCHRE_TEST_OPENAI_KEY"


def make(provider, standin, openai_key=None):
    base = f"http://127.0.0.1:{standin.port}"
    if provider == "openai":
        return ef.OpenAIEmbeddingFunction(
            api_base=f"{base}/v1", model_name="nomic-embed-text", api_key_env_var=openai_key
        )
    if provider == "ollama":
        return ef.OllamaEmbeddingFunction(url=base, model_name="nomic-embed-text", timeout=5)
    return ef.HuggingFaceEmbeddingServer(url=f"{base}/embed")


PROVIDERS = ["openai", "ollama", "huggingface_server"]
DOCS = {"cat": "the cat sat on the mat", "zoo": "xyzzy quux", "bob": "bob bobs"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_provider_embeds_through_its_api(provider, standin, openai_key):
    f = make(provider, standin, openai_key)
    out = f(["hello world", "abc"])
    assert len(out) == 2 and all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in out)
    np.testing.assert_allclose(out[0], fake_vector("hello world"))  # OpenAI's answer order is undone
    np.testing.assert_allclose(out[1], fake_vector("abc"))
    path, headers, body = standin.requests[-1]
    if provider == "openai":
        assert path == "/v1/embeddings" and body == {"input": ["hello world", "abc"], "model": "nomic-embed-text"}
        assert headers["Authorization"] == "Bearer sk-local-secret"
    elif provider == "ollama":
        assert path == "/api/embed" and body == {"model": "nomic-embed-text", "input": ["hello world", "abc"]}
    else:
        assert path == "/embed" and body == {"inputs": ["hello world", "abc"]}
    assert f.name() == provider and ef.known_embedding_functions[provider] is type(f)
    assert f.default_space() == "cosine" and f.supported_spaces() == ["cosine", "l2", "ip"]
    assert f.is_legacy() is False
    rebuilt = type(f).build_from_config(f.get_config())
    assert rebuilt.get_config() == f.get_config()


def test_chromadb_configs_and_no_key_persisted(standin, openai_key):
    o = make("openai", standin, openai_key)
    assert o.get_config() == {
        "api_key_env_var": openai_key,
        "model_name": "nomic-embed-text",
        "organization_id": None,
        "api_base": f"http://127.0.0.1:{standin.port}/v1",
        "api_type": None,
        "api_version": None,
        "deployment_id": None,
        "default_headers": None,
        "dimensions": None,
    }
    assert "sk-local-secret" not in json.dumps(o.get_config())
    with pytest.warns(DeprecationWarning):
        direct = ef.OpenAIEmbeddingFunction(api_key="sk-direct", api_key_env_var="OCHRE_UNSET_VAR")
    assert "sk-direct" not in json.dumps(direct.get_config())
    assert make("ollama", standin).get_config() == {
        "url": f"http://127.0.0.1:{standin.port}",
        "model_name": "nomic-embed-text",
        "timeout": 5,
    }
    assert make("huggingface_server", standin).get_config() == {
        "url": f"http://127.0.0.1:{standin.port}/embed",
        "api_key_env_var": None,
    }
    # Ollama's old /api/embeddings URL still reaches /api/embed, as in chromadb.
    old = ef.OllamaEmbeddingFunction(url=f"http://127.0.0.1:{standin.port}/api/embeddings", model_name="m")
    old(["a"])
    assert standin.requests[-1][0] == "/api/embed"


def test_openai_key_required_like_chromadb(monkeypatch):
    monkeypatch.delenv("CHROMA_OPENAI_API_KEY", raising=False)
    with pytest.raises(ValueError, match="CHROMA_OPENAI_API_KEY environment variable is not set"):
        ef.OpenAIEmbeddingFunction(api_base="http://127.0.0.1:1/v1")


def test_tei_api_key_from_env(standin, monkeypatch):
    monkeypatch.setenv("OCHRE_TEST_TEI_KEY", "tei-secret")
    f = ef.HuggingFaceEmbeddingServer(url=f"http://127.0.0.1:{standin.port}/embed", api_key_env_var="OCHRE_TEST_TEI_KEY")
    f(["a"])
    assert standin.requests[-1][1]["Authorization"] == "Bearer tei-secret"
    assert "tei-secret" not in json.dumps(f.get_config())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_add_query_and_round_trip(provider, standin, openai_key, tmp_path):
    path = str(tmp_path / "db")
    client = ochredb.PersistentClient(path=path)
    c = client.create_collection("docs", embedding_function=make(provider, standin, openai_key))
    c.add(ids=list(DOCS), documents=list(DOCS.values()))
    assert c.query(query_texts=["a cat on a mat"], n_results=1)["ids"] == [["cat"]]
    stored = c.get(ids=["zoo"], include=["embeddings"])["embeddings"]
    np.testing.assert_allclose(stored[0], fake_vector(DOCS["zoo"]))
    descriptor = c.configuration_json["embedding_function"]
    assert descriptor == {"type": "known", "name": provider, "config": make(provider, standin, openai_key).get_config()}
    client.close()

    client = ochredb.PersistentClient(path=path)
    again = client.get_collection("docs")  # no function passed: rebuilt from the stored config
    assert type(again._embedding_function) is type(make(provider, standin, openai_key))
    assert again._embedding_function.get_config() == descriptor["config"]
    before = len(standin.requests)
    assert again.query(query_texts=["xyzzy"], n_results=1)["ids"] == [["zoo"]]
    assert len(standin.requests) == before + 1  # the query text went to the server
    again.add(ids=["new"], documents=["bob bob bob"])
    assert again.count() == 4
    client.close()


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["http500", "not_json", "short", "shape"])
def test_bad_answers_raise_and_write_nothing(provider, mode, standin, openai_key, client):
    c = client.create_collection("bad", embedding_function=make(provider, standin, openai_key))
    c.add(ids=["keep"], documents=["kept document"])
    standin.mode = mode
    with pytest.raises(ef.EmbeddingProviderError, match=f"127.0.0.1:{standin.port}"):
        c.add(ids=["x", "y"], documents=["one", "two"])
    with pytest.raises(ef.EmbeddingProviderError):
        c.upsert(ids=["keep"], documents=["changed"])
    with pytest.raises(ef.EmbeddingProviderError):
        c.query(query_texts=["one"], n_results=1)
    assert c.count() == 1
    assert c.get(ids=["keep"])["documents"] == ["kept document"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_server_down_is_a_clear_error(provider, openai_key, client):
    s = StandIn()
    f = make(provider, s, openai_key)
    c = client.create_collection("down", embedding_function=f)
    s.close()  # nothing listens on the port any more
    with pytest.raises(ef.EmbeddingProviderError, match="cannot reach the embedding server"):
        c.add(ids=["a"], documents=["text"])
    assert c.count() == 0
