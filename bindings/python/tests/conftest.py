"""Fixtures for the ochredb tests.

The module is imported from the build directory that scripts/tests.d/python.sh puts on PYTHONPATH;
run by hand, the first of OCHREDB_BUILD_DIR, build/, build-python/ that holds it is used.
"""

import glob
import os
import sys
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _add_build_dir() -> None:
    try:
        import ochredb  # noqa: F401

        return
    except ImportError:
        pass
    candidates = [os.environ.get("OCHREDB_BUILD_DIR", ""), "build", "build-python"]
    for c in candidates:
        if not c:
            continue
        d = os.path.join(ROOT, c, "python") if not os.path.isabs(c) else os.path.join(c, "python")
        if glob.glob(os.path.join(d, "ochredb", "_ochredb*.so")):
            sys.path.insert(0, d)
            return


# Never download the model from a test: the default function (all-MiniLM-L6-v2) fails with a clear
# error when it is not installed, and the tests that need it skip then.
os.environ.setdefault("OCHRE_OFFLINE", "1")

_add_build_dir()

import ochredb  # noqa: E402


@pytest.fixture
def client(tmp_path):
    """A persistent client on a fresh directory, with reset allowed."""
    c = ochredb.PersistentClient(path=str(tmp_path / "db"), settings=ochredb.Settings(allow_reset=True))
    yield c
    c.close()


@pytest.fixture
def ephemeral():
    """The process's in-memory client, emptied first (all in-memory clients share one database)."""
    c = ochredb.EphemeralClient(settings=ochredb.Settings(allow_reset=True))
    c.reset()
    yield c
    c.reset()


@pytest.fixture(params=["persistent", "ephemeral"])
def any_client(request, tmp_path):
    if request.param == "persistent":
        c = ochredb.PersistentClient(path=str(tmp_path / "db"), settings=ochredb.Settings(allow_reset=True))
    else:
        c = ochredb.EphemeralClient(settings=ochredb.Settings(allow_reset=True))
        c.reset()
    yield c
    if request.param == "ephemeral":
        c.reset()
    c.close()


@pytest.fixture
def name():
    return "c" + uuid.uuid4().hex[:10]


@pytest.fixture
def collection(client, name):
    """A collection without an embedding function, for tests that pass explicit embeddings."""
    return client.create_collection(name, embedding_function=None)
