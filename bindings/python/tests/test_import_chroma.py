"""ochredb.import_chroma: the bad inputs (the end-to-end import of real Chroma directories is
scripts/tests.d/chroma_import.sh, which also calls this function)."""
import pytest

import ochredb


def test_not_a_chroma_directory(tmp_path):
    src = tmp_path / "plain"
    src.mkdir()
    with pytest.raises(Exception, match="not a Chroma directory"):
        ochredb.import_chroma(src, tmp_path / "dst")
    assert not (tmp_path / "dst").exists()


def test_destination_not_empty(tmp_path):
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "x").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        ochredb.import_chroma(tmp_path, dst)


def test_persistent_client_refuses_a_chroma_directory(tmp_path):
    (tmp_path / "chroma.sqlite3").write_bytes(b"")
    with pytest.raises(Exception, match="ochre import-chroma"):
        ochredb.PersistentClient(path=str(tmp_path))
