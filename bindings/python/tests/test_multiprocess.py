# Copyright 2026 The OchreDB Authors.
"""Several processes on one directory (issue 10): `ochre run` and an embedded Python client on the
same path at the same time, each seeing the other's writes without reopening."""
import json
import os
import pathlib
import signal
import subprocess
import urllib.request

import pytest

import ochredb


def _ochre_binary():
    if os.environ.get("OCHRE_BIN"):
        return os.environ["OCHRE_BIN"]
    # The extension is built into <build>/python/ochredb; the CLI into <build>/src/cli/ochre.
    import sys

    for name, module in list(sys.modules.items()):
        if name.endswith("_ochredb") and getattr(module, "__file__", None):
            build = pathlib.Path(module.__file__).resolve().parents[2]
            return str(build / "src" / "cli" / "ochre")
    return "ochre"


def _http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def test_server_and_embedded_client_on_one_path(tmp_path):
    binary = _ochre_binary()
    if not os.access(binary, os.X_OK):
        pytest.skip(f"{binary} is not built")
    path = str(tmp_path / "db")
    client = ochredb.PersistentClient(path=path)
    coll = client.create_collection("shared", embedding_function=None)
    coll.add(ids=["py1"], embeddings=[[1.0, 0.0, 0.0]], documents=["from python"])
    server = subprocess.Popen(
        [binary, "run", "--path", path, "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("listening on http://"), line
        base = line.split("listening on ", 1)[1].strip() + "/api/v2/tenants/default_tenant/databases/default_database"
        info = _http("GET", base + "/collections/shared")
        cid = info["id"]
        # The server sees what the embedded client wrote before it started...
        assert _http("GET", f"{base}/collections/{cid}/count") == 1
        # ...and the embedded client what the server writes, without reopening.
        _http("POST", f"{base}/collections/{cid}/add", {"ids": ["http1"], "embeddings": [[0.0, 1.0, 0.0]]})
        assert coll.count() == 2
        assert sorted(coll.get()["ids"]) == ["http1", "py1"]
        assert coll.query(query_embeddings=[[0.0, 1.0, 0.0]], n_results=1)["ids"] == [["http1"]]
        # And the server what the embedded client writes while it runs.
        coll.add(ids=["py2"], embeddings=[[0.0, 0.0, 1.0]])
        assert _http("GET", f"{base}/collections/{cid}/count") == 3
        got = _http("POST", f"{base}/collections/{cid}/get", {"ids": ["py2"], "include": ["embeddings"]})
        assert got["ids"] == ["py2"] and got["embeddings"] == [[0.0, 0.0, 1.0]]
        # A collection created by one is seen by the other.
        client.create_collection("made_in_python", embedding_function=None)
        names = sorted(c["name"] for c in _http("GET", base + "/collections"))
        assert names == ["made_in_python", "shared"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0
    client.close()
