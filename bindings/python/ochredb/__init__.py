"""OchreDB: an embedded, persistent vector database with chromadb's Python API.

    import ochredb as chromadb
    client = chromadb.PersistentClient(path="./chroma_db")
    collection = client.get_or_create_collection("docs")
    collection.add(ids=["a"], documents=["hello world"], metadatas=[{"source": "demo"}])
    collection.query(query_texts=["hello"], n_results=1)

Everything runs in-process on the OchreDB engine (C++): no server, no model download.
"""

import os
from typing import Any, Optional, Sequence

from ochredb import _ochredb
from ochredb import errors
from ochredb.api import AdminAPI, ClientAPI
from ochredb.api.client import AdminClient, Client as _Client
from ochredb.api.models.Collection import Collection
from ochredb.api.collection_configuration import (
    CollectionConfiguration,
    CreateCollectionConfiguration,
    CreateHNSWConfiguration,
    CreateSpannConfiguration,
    UpdateCollectionConfiguration,
    UpdateHNSWConfiguration,
    UpdateSpannConfiguration,
)
from ochredb.api.types import (
    CollectionMetadata,
    Documents,
    EmbeddingFunction,
    Embeddings,
    GetResult,
    IDs,
    Include,
    Metadata,
    Metadatas,
    QueryResult,
    ReadLevel,
    SearchResult,
    UpdateMetadata,
    Where,
    WhereDocument,
)
from ochredb.api.schema import (
    BoolInvertedIndexConfig,
    FloatInvertedIndexConfig,
    FtsIndexConfig,
    HnswIndexConfig,
    IntInvertedIndexConfig,
    Schema,
    SpannIndexConfig,
    SparseVectorIndexConfig,
    StringInvertedIndexConfig,
    VectorIndexConfig,
)
from ochredb.base_types import SparseVector
from ochredb.execution.expression import K, Key, Knn, Rrf, Search
from ochredb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings

__version__ = _ochredb.version()

__all__ = [
    "BoolInvertedIndexConfig",
    "FloatInvertedIndexConfig",
    "FtsIndexConfig",
    "HnswIndexConfig",
    "IntInvertedIndexConfig",
    "Schema",
    "SpannIndexConfig",
    "SparseVectorIndexConfig",
    "StringInvertedIndexConfig",
    "VectorIndexConfig",
    "CollectionConfiguration",
    "CollectionMetadata",
    "CreateCollectionConfiguration",
    "CreateHNSWConfiguration",
    "CreateSpannConfiguration",
    "K",
    "Key",
    "Knn",
    "ReadLevel",
    "Rrf",
    "Search",
    "SearchResult",
    "SparseVector",
    "UpdateCollectionConfiguration",
    "UpdateHNSWConfiguration",
    "UpdateMetadata",
    "UpdateSpannConfiguration",
    "AdminClient",
    "AdminAPI",
    "Client",
    "ClientAPI",
    "Collection",
    "Documents",
    "EmbeddingFunction",
    "Embeddings",
    "EphemeralClient",
    "GetResult",
    "HttpClient",
    "IDs",
    "Include",
    "Metadata",
    "Metadatas",
    "PersistentClient",
    "QueryResult",
    "Settings",
    "Where",
    "WhereDocument",
    "errors",
    "import_chroma",
    "copy_collections",
    "export_collections",
    "import_export",
    "stats",
    "verify",
    "DEFAULT_TENANT",
    "DEFAULT_DATABASE",
]


def _open_native(settings: Settings) -> Any:
    """The native client the settings describe: a directory when is_persistent, else in memory."""
    allow_reset = bool(getattr(settings, "allow_reset", False))
    if getattr(settings, "is_persistent", False):
        return _ochredb.open_persistent(os.fspath(settings.persist_directory), allow_reset)
    return _ochredb.open_ephemeral(allow_reset)


def PersistentClient(  # noqa: N802 (chromadb's factory names)
    path: "str | os.PathLike[str]" = "./chroma",
    settings: Optional[Settings] = None,
    tenant: str = DEFAULT_TENANT,
    database: str = DEFAULT_DATABASE,
) -> ClientAPI:
    """A client whose data lives in directory ``path`` (created if needed).

    Raises PermissionError when the directory cannot be created or written. Any
    number of processes may open one path; a write raises errors.DatabaseLockedError
    when another process has held the write lock for more than 30 s, and a client
    used in a child created by fork() raises errors.InternalError (open a new one)."""
    if settings is None:
        settings = Settings()
    settings.is_persistent = True
    settings.persist_directory = os.fspath(path)
    return _Client(_open_native(settings), settings, tenant, database)


def EphemeralClient(  # noqa: N802
    settings: Optional[Settings] = None,
    tenant: str = DEFAULT_TENANT,
    database: str = DEFAULT_DATABASE,
) -> ClientAPI:
    """An in-memory client; all of them in one process share one database, as in chromadb."""
    if settings is None:
        settings = Settings()
    settings.is_persistent = False
    return _Client(_open_native(settings), settings, tenant, database)


def Client(  # noqa: N802
    settings: Optional[Settings] = None,
    tenant: str = DEFAULT_TENANT,
    database: str = DEFAULT_DATABASE,
) -> ClientAPI:
    """chromadb's generic constructor: persistent when ``settings.is_persistent``, else in memory."""
    if settings is None:
        settings = Settings()
    return _Client(_open_native(settings), settings, tenant, database)


def HttpClient(*args: Any, **kwargs: Any) -> ClientAPI:  # noqa: N802
    raise NotImplementedError(
        "ochredb runs in-process only. To share a database over HTTP, run `ochre run --path <dir>` and "
        "connect with chromadb's own HttpClient."
    )


def AsyncHttpClient(*args: Any, **kwargs: Any) -> Any:  # noqa: N802
    return HttpClient(*args, **kwargs)


def CloudClient(*args: Any, **kwargs: Any) -> Any:  # noqa: N802
    raise NotImplementedError("ochredb has no cloud client")


def import_chroma(chroma_dir: str, path: str) -> dict:
    """``ochre import-chroma --from chroma_dir --path path`` as a function.

    Reads the Chroma persist directory ``chroma_dir`` (0.5, 0.6 or 1.x; never written to) and writes
    its tenants, databases, collections and records into the new or empty OchreDB directory ``path``.
    Returns the figures (records, tenants, databases, and per collection records, vectors read from
    the HNSW files and queue rows replayed). Raises InvalidArgumentError for a path that is not a
    Chroma directory, and the mapped OchreDB errors for a newer Chroma schema, a destination that is
    not empty, or a directory a Chroma process has open.
    """
    return _ochredb.import_chroma(os.fspath(chroma_dir), os.fspath(path))


def copy_collections(
    source: str,
    destination: str,
    collections: Optional[Sequence[str]] = None,
    token: Optional[str] = None,
    from_token: Optional[str] = None,
    to_token: Optional[str] = None,
    tenant: str = DEFAULT_TENANT,
    database: str = DEFAULT_DATABASE,
    state_file: Optional[str] = None,
) -> dict:
    """``ochre copy --from source --to destination`` as a function (named so as not to shadow
    Python's ``copy``). Each side is an OchreDB directory or a Chroma API URL (http://host:port).
    Returns the figures of ``--json`` (collections, records, already_present, batches, batch_size,
    resumed). Calling it again after an interruption resumes the copy. Raises the mapped OchreDB
    errors: AlreadyExists for a destination collection this copy did not create, PermissionDenied
    for a refused token, IOError for a server that cannot be reached.
    """
    return _ochredb.copy_collections(
        str(source) if not isinstance(source, os.PathLike) else os.fspath(source),
        str(destination) if not isinstance(destination, os.PathLike) else os.fspath(destination),
        list(collections or []),
        from_token or token or "",
        to_token or token or "",
        tenant,
        database,
        os.fspath(state_file) if state_file else "",
    )


def export_collections(
    path: str,
    out: str,
    collection: Optional[str] = None,
    tenant: str = DEFAULT_TENANT,
    database: str = DEFAULT_DATABASE,
) -> dict:
    """``ochre export --path path --out out [--collection NAME]``: writes the collections (all of
    the tenant/database, or one) to the new JSON Lines file ``out`` (docs/format/export.md).
    Returns {"ok", "collections", "records"}."""
    return _ochredb.export_collections(os.fspath(path), os.fspath(out), collection, tenant, database)


def import_export(path: str, export_file: str) -> dict:
    """``ochre import --path path --in export_file``: reads an ``ochre export`` file into the
    database at ``path``. Returns {"ok", "collections", "records"}; raises AlreadyExists for a
    collection that exists and InvalidArgument naming the line of a malformed file."""
    return _ochredb.import_export(os.fspath(path), os.fspath(export_file))


def stats(path: str) -> dict:
    """``ochre stats --path path --json`` as a dict (collections, records, dead rows, file bytes,
    graph rows)."""
    return _ochredb.stats(os.fspath(path))


def verify(path: str, repair: bool = False) -> dict:
    """``ochre verify --path path --json [--repair]`` as a dict: "ok", "exit_code" (0 clean, 1
    problems, 3 warnings only), "checksums" (per collection: "blocks", "blocks_checked",
    "blocks_without_checksum", "mismatches" as {"first_row", "last_row"}, the files' format
    versions), "catalog_checksums" (the catalog's page checksums: "page_checksums", "reserved_bytes",
    "page_size", "pages_checked", "damaged_pages"), "problems" and "warnings" (each {"check",
    "collection", "message"}). With ``repair=True``, first adds missing row checksums, upgrades old
    vectors headers and rewrites a catalog without page checksums with them ("repair" in the
    result); raises (nothing changed) when the database is damaged or open in another process."""
    return _ochredb.verify(os.fspath(path), repair)
