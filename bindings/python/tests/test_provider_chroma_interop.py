"""Differential: collections with the OpenAI, Ollama and TEI embedding functions, created by the real
Chroma 1.4.4 server (../shared/peer-chroma), read back here after ochredb.import_chroma: the same
name and stored config, and get_collection rebuilds the same provider class from it. Skipped when
peer-chroma is not beside the checkout (or $OCHRE_PEER_CHROMA)."""

import json
import os
import socket
import subprocess
import urllib.request

import pytest

import ochredb
from ochredb.utils import embedding_functions as ef

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PEER = os.environ.get("OCHRE_PEER_CHROMA") or next(
    (p for p in (os.path.join(ROOT, "..", "shared", "peer-chroma"), os.path.join(ROOT, "..", "..", "shared", "peer-chroma"))
     if os.path.isdir(p)),
    os.path.join(ROOT, "..", "shared", "peer-chroma"),
)
BASE = "/api/v2/tenants/default_tenant/databases/default_database/collections"

DESCRIPTORS = {
    "openai_docs": {
        "type": "known",
        "name": "openai",
        "config": {
            "api_key_env_var": "OCHRE_TEST_INTEROP_KEY",
            "model_name": "nomic-embed-text",
            "organization_id": None,
            "api_base": "http://127.0.0.1:8081/v1",
            "api_type": None,
            "api_version": None,
            "deployment_id": None,
            "default_headers": None,
            "dimensions": None,
        },
    },
    "ollama_docs": {
        "type": "known",
        "name": "ollama",
        "config": {"url": "http://127.0.0.1:11434", "model_name": "nomic-embed-text", "timeout": 60},
    },
    "tei_docs": {
        "type": "known",
        "name": "huggingface_server",
        "config": {"url": "http://127.0.0.1:8080/embed", "api_key_env_var": None},
    },
}


def _call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


@pytest.fixture
def chroma_dir(tmp_path):
    script = os.path.join(PEER, "chroma-server.sh")
    if not os.access(script, os.X_OK):
        pytest.skip(f"no peer-chroma at {PEER}")
    if subprocess.run([os.path.join(PEER, "setup.sh")], capture_output=True).returncode != 0:
        pytest.skip("peer-chroma setup failed (no npm registry?)")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    data = str(tmp_path / "chroma")
    subprocess.run([script, "start", data, str(port)], check=True, capture_output=True)
    try:
        yield data, port
    finally:
        subprocess.run([script, "stop", data, str(port)], capture_output=True)


def test_provider_collections_made_by_chroma_reopen_here(chroma_dir, tmp_path, monkeypatch):
    data, port = chroma_dir
    script = os.path.join(PEER, "chroma-server.sh")
    chroma_said = {}
    for name, descriptor in DESCRIPTORS.items():
        created = _call(port, "POST", BASE, {"name": name, "configuration": {"embedding_function": descriptor}})
        _call(port, "POST", f"{BASE}/{created['id']}/add", {"ids": ["a"], "embeddings": [[1.0, 0.0, 0.5]], "documents": ["doc"]})
        chroma_said[name] = created["configuration_json"]["embedding_function"]
        assert chroma_said[name] == descriptor  # what Chroma stores for these configs
    subprocess.run([script, "stop", data, str(port)], check=True, capture_output=True)

    ochredb.import_chroma(data, str(tmp_path / "ochre"))
    monkeypatch.setenv("OCHRE_TEST_INTEROP_KEY", "sk-not-stored")
    client = ochredb.PersistentClient(path=str(tmp_path / "ochre"))
    classes = {"openai": ef.OpenAIEmbeddingFunction, "ollama": ef.OllamaEmbeddingFunction, "huggingface_server": ef.HuggingFaceEmbeddingServer}
    for name, descriptor in DESCRIPTORS.items():
        c = client.get_collection(name)
        assert c.configuration_json["embedding_function"] == chroma_said[name]
        assert type(c._embedding_function) is classes[descriptor["name"]]
        assert c._embedding_function.get_config() == descriptor["config"]
        assert c.get(ids=["a"])["documents"] == ["doc"]
    client.close()
