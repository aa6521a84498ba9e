"""ochredb.copy_collections: `ochre copy` from Python, between two local directories (the HTTP
side is scripts/tests.d/copy.sh). Embeddings are given explicitly: no embedding function runs."""
import pytest

import ochredb


def _source(tmp_path):
    c = ochredb.PersistentClient(path=str(tmp_path / "src"))
    col = c.create_collection("copy_py", metadata={"k": 1.5}, configuration={"hnsw": {"space": "ip"}},
                              embedding_function=None)
    col.add(ids=[f"r{i}" for i in range(30)], embeddings=[[i / 3.0, -0.0, 1e-45] for i in range(30)],
            documents=[f"d{i}" for i in range(30)], metadatas=[{"i": i, "f": 2.0, "b": True} for i in range(30)],
            uris=[f"u{i}" for i in range(30)])
    return c


def test_copy_local_to_local(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = _source(tmp_path)
    r = ochredb.copy_collections(tmp_path / "src", tmp_path / "dst")
    assert r["ok"] and r["collections"] == 1 and r["records"] == 30 and not r["resumed"]
    dst = ochredb.PersistentClient(path=str(tmp_path / "dst"))
    a = src.get_collection("copy_py").get(include=["embeddings", "documents", "metadatas", "uris"])
    b = dst.get_collection("copy_py").get(include=["embeddings", "documents", "metadatas", "uris"])
    assert a["ids"] == b["ids"] and a["documents"] == b["documents"] and a["uris"] == b["uris"]
    assert a["metadatas"] == b["metadatas"] and isinstance(b["metadatas"][0]["f"], float)
    assert [list(map(float, e)) for e in a["embeddings"]] == [list(map(float, e)) for e in b["embeddings"]]
    assert dst.get_collection("copy_py").metadata == {"k": 1.5}


def test_destination_not_empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _source(tmp_path)
    ochredb.copy_collections(tmp_path / "src", tmp_path / "dst")
    with pytest.raises(Exception, match="already exists"):
        ochredb.copy_collections(tmp_path / "src", tmp_path / "dst")


def test_unreachable_server(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _source(tmp_path)
    with pytest.raises(Exception, match="cannot reach"):
        ochredb.copy_collections(tmp_path / "src", "http://127.0.0.1:1")


def test_export_import_stats_verify(tmp_path):
    src = _source(tmp_path)
    del src
    e = ochredb.export_collections(tmp_path / "src", tmp_path / "x.jsonl")
    assert e == {"ok": True, "collections": 1, "records": 30}
    i = ochredb.import_export(tmp_path / "dst", tmp_path / "x.jsonl")
    assert i == {"ok": True, "collections": 1, "records": 30}
    ochredb.export_collections(tmp_path / "dst", tmp_path / "y.jsonl", collection="copy_py")
    assert (tmp_path / "x.jsonl").read_bytes() == (tmp_path / "y.jsonl").read_bytes()
    with pytest.raises(Exception, match="already exists"):
        ochredb.import_export(tmp_path / "dst", tmp_path / "x.jsonl")
    s = ochredb.stats(tmp_path / "dst")
    assert s["ok"] and [c["records"] for c in s["collections"]] == [30]
    assert s["collections"][0]["name"] == "copy_py" and s["collections"][0]["dimension"] == 3
    v = ochredb.verify(tmp_path / "dst")
    assert v["records"] == 30 and v["problems"] == [] and v["exit_code"] in (0, 3)
    with pytest.raises(Exception):
        ochredb.stats(tmp_path / "nowhere")
