"""ochredb.verify: the checksum state of each collection's vector rows, and repair=True (issue 15).
Embeddings are given explicitly: no embedding function runs."""
import os

import pytest

import ochredb


def _db(tmp_path, n=300):
    c = ochredb.PersistentClient(path=str(tmp_path / "db"))
    col = c.create_collection("rows", embedding_function=None)
    col.add(ids=[f"r{i}" for i in range(n)], embeddings=[[float(i), 1.0, -2.0, 0.5] for i in range(n)])
    return c


def _vectors(tmp_path):
    (cdir,) = (tmp_path / "db" / "collections").iterdir()
    return cdir / "vectors.f32", cdir / "vectors.rowcrc"


def test_verify_reports_checksum_state(tmp_path):
    c = _db(tmp_path)
    del c
    v = ochredb.verify(tmp_path / "db")
    assert v["problems"] == [], v
    (cs,) = v["checksums"]
    assert cs["collection"].endswith("/rows") and cs["vectors_version"] == 2 and cs["checksum_version"] == 2
    assert cs["blocks"] >= 1 and cs["blocks_checked"] == cs["blocks"] and cs["blocks_without_checksum"] == 0
    assert cs["mismatches"] == []


def test_verify_names_damaged_rows_and_repair_refuses(tmp_path):
    c = _db(tmp_path)
    del c
    vectors, _ = _vectors(tmp_path)
    data = bytearray(vectors.read_bytes())
    data[4096 + 17 * 16 + 2] ^= 0x40  # row 17
    vectors.write_bytes(bytes(data))
    v = ochredb.verify(tmp_path / "db")
    assert v["exit_code"] == 1
    (cs,) = v["checksums"]
    assert len(cs["mismatches"]) == 1 and cs["mismatches"][0]["first_row"] <= 17 <= cs["mismatches"][0]["last_row"]
    before = vectors.read_bytes()
    with pytest.raises(Exception, match="nothing was repaired"):
        ochredb.verify(tmp_path / "db", repair=True)
    assert vectors.read_bytes() == before


def test_repair_adds_missing_checksums(tmp_path):
    c = _db(tmp_path)
    del c
    _, side = _vectors(tmp_path)
    os.remove(side)
    v = ochredb.verify(tmp_path / "db")
    (cs,) = v["checksums"]
    assert v["exit_code"] == 3 and cs["blocks_without_checksum"] == cs["blocks"] and not cs["checksum_file"]
    r = ochredb.verify(tmp_path / "db", repair=True)
    assert r["repair"]["checksums_written"] == 1 and r["problems"] == [], r
    assert not any("checksum" in w["message"] for w in r["warnings"]), r
    (cs,) = r["checksums"]
    assert cs["blocks_without_checksum"] == 0 and cs["blocks_checked"] == cs["blocks"]
    got = ochredb.PersistentClient(path=str(tmp_path / "db")).get_collection("rows").get(include=["embeddings"])
    assert len(got["ids"]) == 300


def test_repair_refused_while_open(tmp_path):
    c = _db(tmp_path)
    c.get_collection("rows").get(include=["embeddings"])  # the collection's vectors file is open
    with pytest.raises(Exception, match="open in another process|in use"):
        ochredb.verify(tmp_path / "db", repair=True)
    del c
