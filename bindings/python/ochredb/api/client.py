"""Clients: chromadb's ``ClientAPI`` and ``AdminAPI`` over one native client.

Within a process every client on the same path shares one engine, and every in-memory client shares
one in-memory database, as chromadb's shared systems do.
"""

import json
import uuid
import weakref
from typing import Any, Dict, List, Optional, Sequence

from ochredb import errors
from ochredb.api import types as t
from ochredb.api.models.Collection import Collection
from ochredb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings
from ochredb.utils.embedding_functions import (
    DefaultEmbeddingFunction,
    HashingEmbeddingFunction,
    ONNXMiniLM_L6_V2,
    _rebuild,
)

_HNSW_KEYS = (
    "space",
    "ef_construction",
    "ef_search",
    "max_neighbors",
    "num_threads",
    "batch_size",
    "sync_threshold",
    "resize_factor",
)


def create_configuration_to_hnsw(configuration: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """chromadb's CreateCollectionConfiguration -> the HNSW fields the engine takes.

    Local chromadb turns a SPANN configuration into an HNSW one that keeps only its space."""
    if not configuration:
        return None
    hnsw = configuration.get("hnsw")
    spann = configuration.get("spann")
    if hnsw is not None and spann is not None:
        raise errors.InvalidArgumentError("Multiple vector index configurations provided")
    if spann is not None:
        return {"space": spann["space"]} if spann.get("space") is not None else {}
    if hnsw is None:
        return None
    if not isinstance(hnsw, dict):
        raise ValueError(f"Expected configuration['hnsw'] to be a dict, got {hnsw}")
    return dict(hnsw)


def update_configuration_to_hnsw(configuration: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """chromadb's UpdateCollectionConfiguration -> the modifiable HNSW fields."""
    if configuration.get("embedding_function") is not None:
        raise errors.InvalidArgumentError("Updating the embedding function of a collection is not supported")
    hnsw = configuration.get("hnsw")
    if hnsw is None and configuration.get("spann") is not None:
        spann = configuration["spann"]
        hnsw = {k: v for k, v in spann.items() if k in ("ef_search",)}
    if hnsw is None:
        return None
    return dict(hnsw)


def schema_to_json(schema: Any) -> Optional[str]:
    """A Schema for the engine: an object with chromadb's ``serialize_to_json()`` or the JSON dict
    itself ({"defaults": {...}, "keys": {...}}), as the text the engine parses and stores."""
    if schema is None:
        return None
    if callable(getattr(schema, "serialize_to_json", None)):
        schema = schema.serialize_to_json()
    if not isinstance(schema, dict):
        raise TypeError(f"Expected schema to be a Schema or its JSON dict, got {type(schema).__name__}")
    return json.dumps(schema)


def _is_default_ef(ef: Any) -> bool:
    return type(ef) is DefaultEmbeddingFunction


class Client:
    """chromadb's ClientAPI. Create it with ``ochredb.PersistentClient`` / ``EphemeralClient``."""

    def __init__(self, handle: Any, settings: Settings, tenant: str, database: str) -> None:
        self._handle = handle
        self._settings = settings
        self._collections: "weakref.WeakSet[Collection]" = weakref.WeakSet()
        self.tenant = tenant
        self.database = database
        self._validate_tenant_database(tenant, database)

    # --- identity and settings ---------------------------------------------------------------------
    def _validate_tenant_database(self, tenant: str, database: str) -> None:
        # Missing tenants and databases raise NotFoundError, which chromadb propagates unchanged.
        self._handle.get_tenant(tenant)
        self._handle.get_database(database, tenant)

    def set_tenant(self, tenant: str, database: str = DEFAULT_DATABASE) -> None:
        self._validate_tenant_database(tenant, database)
        self.tenant = tenant
        self.database = database

    def set_database(self, database: str) -> None:
        self._validate_tenant_database(self.tenant, database)
        self.database = database

    def get_user_identity(self) -> Dict[str, Any]:
        return {"user_id": "", "tenant": self.tenant, "databases": [self.database]}

    def get_settings(self) -> Settings:
        return self._settings

    def heartbeat(self) -> int:
        return self._handle.heartbeat()

    def get_version(self) -> str:
        return self._handle.version()

    def get_max_batch_size(self) -> int:
        return self._handle.max_batch_size()

    # --- collections -----------------------------------------------------------------------------------
    def _wrap(self, handle: Any, embedding_function: Any, data_loader: Any) -> Collection:
        c = Collection(self, handle, embedding_function, data_loader)
        self._collections.add(c)
        return c

    def _recorded_ef(self, handle: Any) -> Any:
        # The Python view of the function the engine rebuilt from the collection's record.
        name = handle.embedding_function_name()
        if name is None:
            return None
        if name == "ochre_hashing":
            info = handle.info()["configuration_json"]["embedding_function"] or {}
            dim = int((info.get("config") or {}).get("dim", 384))
            return HashingEmbeddingFunction(dim)
        if name == "default":
            return DefaultEmbeddingFunction()
        if name == "onnx_mini_lm_l6_v2":
            return ONNXMiniLM_L6_V2()
        return None

    def _open_existing(self, handle: Any, reopen: Any, data_loader: Any) -> Collection:
        """Wraps a handle opened without an explicit function: when the engine could not rebuild the
        recorded one, a function registered under its name (register_embedding_function) is used."""
        if handle.embedding_function_name() is None:
            descriptor = handle.info()["configuration_json"]["embedding_function"]
            rebuilt = _rebuild(descriptor)
            if rebuilt is not None:
                handle.close()
                return self._wrap(reopen(rebuilt), rebuilt, data_loader)
        return self._wrap(handle, self._recorded_ef(handle), data_loader)

    def create_collection(
        self,
        name: str,
        schema: Any = None,
        configuration: Optional[Dict[str, Any]] = None,
        metadata: Optional[t.CollectionMetadata] = None,
        embedding_function: Any = DefaultEmbeddingFunction(),  # noqa: B008 (chromadb's default)
        data_loader: Any = None,
        get_or_create: bool = False,
    ) -> Collection:
        if metadata is not None:
            t.validate_metadata(metadata)
        ef = embedding_function
        if configuration and configuration.get("embedding_function") is not None and _is_default_ef(ef):
            ef = configuration["embedding_function"]
        hnsw = create_configuration_to_hnsw(configuration)
        if get_or_create and _is_default_ef(ef):
            # An existing collection keeps the function it was created with (chromadb resolves the
            # default against the persisted configuration instead of reporting a conflict).
            try:
                return self.get_collection(name, data_loader=data_loader)
            except errors.NotFoundError:
                pass
        handle = self._handle.create_collection(
            name, metadata, hnsw, ef, get_or_create, self.tenant, self.database, schema_to_json(schema)
        )
        python_ef = ef
        return self._wrap(handle, python_ef, data_loader)

    def get_collection(
        self,
        name: str,
        embedding_function: Any = DefaultEmbeddingFunction(),  # noqa: B008
        data_loader: Any = None,
    ) -> Collection:
        # The default means "the function the collection was created with" (chromadb resolves it from
        # the persisted configuration); anything else is checked against that record by the engine.
        if not _is_default_ef(embedding_function):
            handle = self._handle.get_collection(name, True, embedding_function, self.tenant, self.database)
            return self._wrap(handle, embedding_function, data_loader)
        handle = self._handle.get_collection(name, False, None, self.tenant, self.database)
        return self._open_existing(
            handle,
            lambda ef: self._handle.get_collection(name, True, ef, self.tenant, self.database),
            data_loader,
        )

    def get_collection_by_id(
        self,
        id: Any,  # noqa: A002 (chromadb's name)
        embedding_function: Any = DefaultEmbeddingFunction(),  # noqa: B008
        data_loader: Any = None,
    ) -> Collection:
        if not _is_default_ef(embedding_function):
            handle = self._handle.get_collection_by_id(str(id), True, embedding_function, self.tenant, self.database)
            return self._wrap(handle, embedding_function, data_loader)
        handle = self._handle.get_collection_by_id(str(id), False, None, self.tenant, self.database)
        return self._open_existing(
            handle,
            lambda ef: self._handle.get_collection_by_id(str(id), True, ef, self.tenant, self.database),
            data_loader,
        )

    def get_or_create_collection(
        self,
        name: str,
        schema: Any = None,
        configuration: Optional[Dict[str, Any]] = None,
        metadata: Optional[t.CollectionMetadata] = None,
        embedding_function: Any = DefaultEmbeddingFunction(),  # noqa: B008
        data_loader: Any = None,
    ) -> Collection:
        return self.create_collection(
            name,
            schema=schema,
            configuration=configuration,
            metadata=metadata,
            embedding_function=embedding_function,
            data_loader=data_loader,
            get_or_create=True,
        )

    def list_collections(self, limit: Optional[int] = None, offset: Optional[int] = None) -> Sequence[Collection]:
        infos = self._handle.list_collections(limit, offset, self.tenant, self.database)
        out: List[Collection] = []
        for info in infos:
            out.append(self.get_collection_by_id(info["id"]))
        return out

    def count_collections(self) -> int:
        return self._handle.count_collections(self.tenant, self.database)

    def delete_collection(self, name: str) -> None:
        self._handle.delete_collection(name, self.tenant, self.database)

    def reset(self) -> bool:
        self._handle.reset()
        return True

    # --- lifetime --------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Releases this client and the collections it handed out. When no other client in the process
        uses the same path, the database is closed (its LOCK released) and another process may open it."""
        for c in list(self._collections):
            c._handle.close()
        self._handle.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @staticmethod
    def clear_system_cache() -> None:
        """chromadb drops its cached systems here; OchreDB engines close when their last client goes."""


class AdminClient:
    """chromadb's AdminAPI: tenants and databases."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        from ochredb import _open_native

        self._settings = settings or Settings()
        self._handle = _open_native(self._settings)

    def create_tenant(self, name: str) -> None:
        self._handle.create_tenant(name)

    def get_tenant(self, name: str) -> Dict[str, str]:
        return {"name": self._handle.get_tenant(name)}

    def create_database(self, name: str, tenant: str = DEFAULT_TENANT) -> None:
        self._handle.create_database(name, tenant)

    def get_database(self, name: str, tenant: str = DEFAULT_TENANT) -> Dict[str, Any]:
        db = self._handle.get_database(name, tenant)
        return {"id": uuid.UUID(db["id"]), "name": db["name"], "tenant": db["tenant"]}

    def delete_database(self, name: str, tenant: str = DEFAULT_TENANT) -> None:
        self._handle.delete_database(name, tenant)

    def list_databases(
        self, limit: Optional[int] = None, offset: Optional[int] = None, tenant: str = DEFAULT_TENANT
    ) -> Sequence[Dict[str, Any]]:
        dbs = self._handle.list_databases(limit, offset, tenant)
        return [{"id": uuid.UUID(d["id"]), "name": d["name"], "tenant": d["tenant"]} for d in dbs]

    def close(self) -> None:
        self._handle.close()


__all__ = ["Client", "AdminClient"]
