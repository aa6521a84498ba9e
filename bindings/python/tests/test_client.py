"""Client methods with chromadb's defaults, results and errors (CHROMA_SPEC §1.1, §1.2, §3.12)."""

import os
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

import ochredb
from ochredb import errors
from ochredb.utils.embedding_functions import HashingEmbeddingFunction


def test_constructors_and_defaults(tmp_path):
    c = ochredb.PersistentClient(path=str(tmp_path / "db"))
    assert os.path.isdir(tmp_path / "db")
    assert c.tenant == ochredb.DEFAULT_TENANT == "default_tenant"
    assert c.database == ochredb.DEFAULT_DATABASE == "default_database"
    assert c.get_settings().is_persistent is True
    assert c.get_settings().allow_reset is False
    assert c.get_settings().persist_directory == str(tmp_path / "db")
    c.close()
    e = ochredb.EphemeralClient()
    assert e.get_settings().is_persistent is False
    g = ochredb.Client()
    assert g.heartbeat() > 0


def test_persistent_client_accepts_pathlike(tmp_path):
    c = ochredb.PersistentClient(tmp_path / "p")
    c.create_collection("abc")
    assert c.count_collections() == 1
    c.close()


def test_client_with_persistent_settings_opens_directory(tmp_path):
    s = ochredb.Settings(is_persistent=True, persist_directory=str(tmp_path / "s"))
    c = ochredb.Client(s)
    c.create_collection("abc")
    c.close()
    assert os.path.exists(tmp_path / "s")


def test_heartbeat_version_batch_size(any_client):
    now = time.time_ns()
    hb = any_client.heartbeat()
    assert isinstance(hb, int) and abs(hb - now) < 60 * 10**9
    v = any_client.get_version()
    assert isinstance(v, str) and len(v.split(".")) == 3
    assert v == ochredb.__version__
    mbs = any_client.get_max_batch_size()
    assert isinstance(mbs, int) and mbs > 0


def test_unwritable_path_raises_permission_error(tmp_path):
    with pytest.raises(PermissionError):
        ochredb.PersistentClient(path="/proc/ochredb-cannot-create-this")


def test_path_that_is_a_file_raises_os_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(OSError):
        ochredb.PersistentClient(path=str(f))


def test_missing_tenant_or_database_raises_not_found(tmp_path):
    with pytest.raises(errors.NotFoundError):
        ochredb.PersistentClient(path=str(tmp_path / "db"), tenant="nope-tenant")
    with pytest.raises(errors.NotFoundError):
        ochredb.PersistentClient(path=str(tmp_path / "db"), database="nope-db")


def test_create_get_delete_collection(any_client):
    c = any_client.create_collection("my-coll", metadata={"a": 1, "b": "x"})
    assert isinstance(c, ochredb.Collection)
    assert c.name == "my-coll"
    assert c.metadata == {"a": 1, "b": "x"}
    assert isinstance(c.id, uuid.UUID)
    assert c.tenant == "default_tenant" and c.database == "default_database"
    assert repr(c) == "Collection(name=my-coll)"
    g = any_client.get_collection("my-coll")
    assert g.id == c.id and g == c
    assert any_client.get_collection_by_id(c.id).name == "my-coll"
    assert any_client.get_collection_by_id(str(c.id)).name == "my-coll"
    any_client.delete_collection("my-coll")
    with pytest.raises(errors.NotFoundError, match=r"Collection \[my-coll\] does not exist"):
        any_client.get_collection("my-coll")
    with pytest.raises(errors.NotFoundError):
        any_client.delete_collection("my-coll")
    # An old handle on a deleted collection fails every operation.
    with pytest.raises(errors.NotFoundError, match=r"Collection .* does not exist"):
        c.count()
    with pytest.raises(errors.NotFoundError):
        c.add(ids=["a"], embeddings=[[1.0]])


def test_create_existing_raises_unless_get_or_create(any_client):
    first = any_client.create_collection("dup", metadata={"v": 1})
    with pytest.raises(errors.UniqueConstraintError, match="already exists"):
        any_client.create_collection("dup")
    again = any_client.create_collection("dup", metadata={"v": 2}, get_or_create=True)
    assert again.id == first.id
    assert again.metadata == {"v": 1}  # unchanged, as chromadb


def test_get_or_create_collection(any_client):
    a = any_client.get_or_create_collection("goc", metadata={"k": "first"})
    b = any_client.get_or_create_collection("goc", metadata={"k": "second"})
    assert a.id == b.id
    assert b.metadata == {"k": "first"}
    assert any_client.count_collections() == 1


@pytest.mark.parametrize("bad", ["ab", "-abc", "abc-", "a..b", "192.168.1.1", "has space", "x" * 513, ""])
def test_invalid_collection_names(any_client, bad):
    with pytest.raises(errors.InvalidArgumentError):
        any_client.create_collection(bad)


def test_empty_collection_metadata_rejected(any_client):
    with pytest.raises(ValueError):
        any_client.create_collection("emptymeta", metadata={})


def test_list_and_count_collections(any_client):
    assert any_client.list_collections() == []
    assert any_client.count_collections() == 0
    names = [f"coll-{i}" for i in range(5)]
    for n in names:
        any_client.create_collection(n)
    listed = any_client.list_collections()
    assert sorted(c.name for c in listed) == names
    assert all(isinstance(c, ochredb.Collection) for c in listed)
    # Ordered by id, as chromadb; limit and offset slice that order.
    ids = [str(c.id) for c in listed]
    assert ids == sorted(ids)
    assert [c.name for c in any_client.list_collections(limit=2)] == [c.name for c in listed[:2]]
    assert [c.name for c in any_client.list_collections(offset=3)] == [c.name for c in listed[3:]]
    assert [c.name for c in any_client.list_collections(limit=2, offset=1)] == [c.name for c in listed[1:3]]
    assert any_client.count_collections() == 5


def test_reset_disabled_by_default(tmp_path):
    c = ochredb.PersistentClient(path=str(tmp_path / "db"))
    c.create_collection("keep")
    with pytest.raises(errors.ChromaError):
        c.reset()
    assert c.count_collections() == 1
    c.close()


def test_reset_allowed(any_client):
    for i in range(3):
        any_client.create_collection(f"r-{i}", embedding_function=HashingEmbeddingFunction()).add(
            ids=["x"], documents=["doc"]
        )
    assert any_client.reset() is True
    assert any_client.count_collections() == 0
    c = any_client.create_collection("r-0")
    assert c.count() == 0


def test_ephemeral_clients_share_one_database(ephemeral):
    ephemeral.create_collection("shared")
    other = ochredb.EphemeralClient()
    assert [c.name for c in other.list_collections()] == ["shared"]


def test_persistent_clients_on_same_path_share_engine(tmp_path):
    a = ochredb.PersistentClient(path=str(tmp_path / "db"))
    b = ochredb.PersistentClient(path=str(tmp_path / "db"))
    a.create_collection("seen").add(ids=["1"], embeddings=[[1.0, 2.0]])
    assert b.get_collection("seen").count() == 1
    a.close()
    b.close()


def test_parent_and_child_process_share_one_path(tmp_path):
    # Issue 10: a parent holds a client and adds; a child opens the same path, reads everything and
    # adds; the parent sees the child's records without reopening.
    path = str(tmp_path / "db")
    c = ochredb.PersistentClient(path=path)
    coll = c.create_collection("shared", embedding_function=None)
    coll.add(ids=["a", "b"], embeddings=[[1.0, 0.0], [0.0, 1.0]], documents=["one", "two"])
    code = (
        "import ochredb, sys\n"
        f"c = ochredb.PersistentClient(path={path!r})\n"
        "coll = c.get_collection('shared', embedding_function=None)\n"
        "got = coll.get()\n"
        "assert sorted(got['ids']) == ['a', 'b'], got\n"
        "coll.add(ids=['c'], embeddings=[[1.0, 1.0]], documents=['three'])\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_child_env())
    assert r.returncode == 0, r.stdout + r.stderr
    assert coll.count() == 3
    assert sorted(coll.get()["ids"]) == ["a", "b", "c"]
    hits = coll.query(query_embeddings=[[1.0, 1.0]], n_results=1)
    assert hits["ids"] == [["c"]]
    # And the parent's next add lands beside the child's, never on its row.
    coll.add(ids=["d"], embeddings=[[-1.0, 0.0]])
    got = coll.get(include=["embeddings"])
    by_id = {i: list(e) for i, e in zip(got["ids"], got["embeddings"])}
    assert by_id == {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [1.0, 1.0], "d": [-1.0, 0.0]}
    assert isinstance(errors.DatabaseLockedError("x"), errors.InternalError)
    c.close()


def test_handle_used_after_fork_fails_clearly(tmp_path):
    # Issue 16.1: a handle inherited through fork() (multiprocessing's default start method) must
    # fail with a clear error, never write.
    import os

    path = str(tmp_path / "db")
    c = ochredb.PersistentClient(path=path)
    coll = c.create_collection("forked", embedding_function=None)
    coll.add(ids=["p1"], embeddings=[[1.0, 0.0]])
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        msg = "no error"
        try:
            coll.add(ids=["child"], embeddings=[[0.0, 1.0]])
        except Exception as e:  # noqa: BLE001 - reported to the parent
            msg = type(e).__name__ + ": " + str(e)
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    got = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        got += chunk
    os.close(r)
    os.waitpid(pid, 0)
    assert "fork()" in got.decode(), got
    coll.add(ids=["p2"], embeddings=[[-1.0, 0.0]])
    assert sorted(coll.get()["ids"]) == ["p1", "p2"]
    assert len(coll.query(query_embeddings=[[0.0, 0.0]], n_results=3)["ids"][0]) == 2
    c.close()


def test_close_releases_the_lock_for_another_process(tmp_path):
    path = str(tmp_path / "db")
    c = ochredb.PersistentClient(path=path)
    coll = c.create_collection("persisted", embedding_function=HashingEmbeddingFunction())
    coll.add(ids=["a", "b"], documents=["one", "two"], metadatas=[{"n": 1}, {"n": 2}])
    c.close()
    with pytest.raises(ValueError):
        coll.count()  # the handle was released with its client
    code = (
        "import ochredb\n"
        f"c = ochredb.PersistentClient(path={path!r})\n"
        "r = c.get_collection('persisted').get()\n"
        "print(r['ids'], r['metadatas'])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_child_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['a', 'b'] [{'n': 1}, {'n': 2}]"


def test_context_manager_closes(tmp_path):
    with ochredb.PersistentClient(path=str(tmp_path / "db")) as c:
        c.create_collection("ctx")
    with pytest.raises(ValueError):
        c.heartbeat()


def test_tenants_and_databases(tmp_path):
    path = str(tmp_path / "db")
    admin = ochredb.AdminClient(ochredb.Settings(is_persistent=True, persist_directory=path))
    admin.create_tenant("tenant-a")
    assert admin.get_tenant("tenant-a") == {"name": "tenant-a"}
    with pytest.raises(errors.NotFoundError):
        admin.get_tenant("missing-tenant")
    admin.create_database("db-1", tenant="tenant-a")
    admin.create_database("db-0", tenant="tenant-a")
    db = admin.get_database("db-1", tenant="tenant-a")
    assert db["name"] == "db-1" and db["tenant"] == "tenant-a" and isinstance(db["id"], uuid.UUID)
    assert [d["name"] for d in admin.list_databases(tenant="tenant-a")] == ["db-0", "db-1"]
    assert [d["name"] for d in admin.list_databases(limit=1, offset=1, tenant="tenant-a")] == ["db-1"]
    with pytest.raises(errors.ChromaError):
        admin.create_database("db-1", tenant="tenant-a")

    c = ochredb.PersistentClient(path=path, tenant="tenant-a", database="db-1")
    c.create_collection("scoped")
    assert c.count_collections() == 1
    c.set_database("db-0")
    assert c.count_collections() == 0
    c.set_tenant("default_tenant", "default_database")
    assert c.count_collections() == 0
    with pytest.raises(errors.NotFoundError):
        c.set_database("nope-db")
    admin.delete_database("db-1", tenant="tenant-a")
    with pytest.raises(errors.NotFoundError):
        admin.get_database("db-1", tenant="tenant-a")
    c.close()
    admin.close()


def test_user_identity(any_client):
    assert any_client.get_user_identity() == {
        "user_id": "",
        "tenant": "default_tenant",
        "databases": ["default_database"],
    }


def test_http_client_is_not_available():
    with pytest.raises(NotImplementedError):
        ochredb.HttpClient()


def test_settings_fields():
    s = ochredb.Settings(allow_reset=True, anonymized_telemetry=False, chroma_server_host="x")
    assert s.allow_reset is True and s.anonymized_telemetry is False and s.chroma_server_host == "x"
    assert s.persist_directory == "./chroma" and s.is_persistent is False
    assert ochredb.Settings() == ochredb.Settings()


def test_error_classes_have_chromadb_names_and_codes():
    assert errors.NotFoundError("x").code() == 404
    assert errors.NotFoundError.name() == "NotFoundError"
    assert errors.InvalidArgumentError("x").code() == 400
    assert errors.UniqueConstraintError("x").code() == 409
    assert errors.InternalError("x").code() == 500
    assert errors.DuplicateIDError.name() == "DuplicateID"
    for cls in (errors.NotFoundError, errors.InvalidArgumentError, errors.DuplicateIDError, errors.InternalError):
        assert issubclass(cls, errors.ChromaError)
    assert errors.InvalidArgumentError("a", "b").message() == "a, b"


def _child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def test_numpy_is_available():
    assert np.__version__
