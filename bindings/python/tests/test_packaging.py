"""The package's metadata agrees with the engine, and its public names import as chromadb's do."""

import os
import tomllib

import ochredb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_pyproject_version_is_the_engine_version():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["name"] == "ochredb"
    assert project["version"] == ochredb.__version__


def test_chromadb_import_paths():
    from ochredb import Documents, EmbeddingFunction, Embeddings  # noqa: F401
    from ochredb.api import AdminAPI, ClientAPI  # noqa: F401
    from ochredb.api.models.Collection import Collection  # noqa: F401
    from ochredb.api.types import GetResult, QueryResult  # noqa: F401
    from ochredb.config import Settings  # noqa: F401
    from ochredb.errors import (  # noqa: F401
        ChromaError,
        DuplicateIDError,
        InternalError,
        InvalidArgumentError,
        NotFoundError,
        UniqueConstraintError,
    )
    from ochredb.utils import embedding_functions

    assert callable(embedding_functions.DefaultEmbeddingFunction())
