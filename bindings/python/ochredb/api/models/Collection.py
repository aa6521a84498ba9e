"""``Collection``: chromadb's collection API over one native handle.

Arguments are unpacked and validated as chromadb does (CollectionCommon.py), then handed to the
engine in one call with the GIL released. Documents are embedded by the engine through the
collection's embedding function (a native one, or a Python callable it calls back).
"""

import functools
import json
import uuid
import warnings
from typing import Any, Callable, Dict, List, Optional, TypeVar


from ochredb.api import types as t

F = TypeVar("F", bound=Callable[..., Any])


def _validation_context(name: str) -> Callable[[F], F]:
    """Appends " in <name>." to client-side validation errors, as chromadb does."""

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception as e:
                if e.args:
                    e.args = (f"{e.args[0]} in {name}.",) + e.args[1:]
                raise

        return wrapper  # type: ignore[return-value]

    return decorator


def _dumps(filter_: Optional[Dict[str, Any]]) -> Optional[str]:
    # chromadb sends a filter only when it is truthy; an empty dict has been rejected by validation.
    return json.dumps(filter_) if filter_ else None


class Collection:
    """A handle on one collection. Obtain it from a client; do not construct it directly."""

    def __init__(self, client: Any, handle: Any, embedding_function: Any, data_loader: Any = None) -> None:
        self._client = client
        self._handle = handle
        self._embedding_function = embedding_function
        self._data_loader = data_loader
        self._info: Optional[Dict[str, Any]] = None

    # --- properties -------------------------------------------------------------------------------
    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self._handle.id)

    @property
    def name(self) -> str:
        return self._handle.name

    @property
    def metadata(self) -> Optional[Dict[str, Any]]:
        return self._handle.metadata

    @property
    def configuration_json(self) -> Dict[str, Any]:
        return self._handle.info()["configuration_json"]

    @property
    def configuration(self) -> Dict[str, Any]:
        config = dict(self.configuration_json)
        config["embedding_function"] = self._embedding_function
        return config

    @property
    def tenant(self) -> str:
        return self._fresh_info()["tenant"]

    @property
    def database(self) -> str:
        return self._fresh_info()["database"]

    @property
    def schema(self) -> Optional[Any]:
        """The collection's Schema (chromadb's class), read from the JSON the engine stores; it can
        also be read as that JSON (``schema["keys"]``)."""
        from ochredb.api.schema import Schema

        stored = self._handle.info().get("schema")
        if stored is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # functions this process can't rebuild: kept as JSON
            return Schema.deserialize_from_json(stored)

    def _fresh_info(self) -> Dict[str, Any]:
        if self._info is None:
            self._info = self._handle.info()
        return self._info

    def __repr__(self) -> str:
        return f"Collection(name={self.name})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Collection):
            return False
        return self.id == other.id and self.name == other.name and self.metadata == other.metadata

    def __hash__(self) -> int:
        return hash(self._handle.id)

    # --- reads --------------------------------------------------------------------------------------
    def count(self, read_level: Any = None) -> int:
        return self._handle.count()

    def get_indexing_status(self) -> t.IndexingStatus:
        """How many of the collection's vector rows the HNSW graph has reached."""
        return t.IndexingStatus(**self._handle.indexing_status())

    def get(
        self,
        ids: Optional[t.OneOrMany[t.ID]] = None,
        where: Optional[t.Where] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        where_document: Optional[t.WhereDocument] = None,
        include: t.Include = ["metadatas", "documents"],  # noqa: B006 (chromadb's default, never mutated)
    ) -> t.GetResult:
        ids_, include_ = self._prepare_get(ids, where, where_document, include)
        raw = self._handle.get(ids_, _dumps(where), _dumps(where_document), limit, offset, include_)
        return self._get_result(raw, include_)

    @_validation_context("get")
    def _prepare_get(self, ids: Any, where: Any, where_document: Any, include: Any) -> Any:
        ids_ = t.maybe_cast_one_to_many(ids)
        if ids_ is not None:
            t.validate_ids(ids_)
        self._validate_filters(where, where_document)
        t.validate_include(include, disallowed=["distances"])
        return ids_, self._request_include(include)

    def peek(self, limit: int = 10) -> t.GetResult:
        include = list(t.IncludeMetadataDocumentsEmbeddings)
        raw = self._handle.get(None, None, None, limit, None, include)
        return self._get_result(raw, include)

    def query(
        self,
        query_embeddings: Any = None,
        query_texts: Optional[t.OneOrMany[t.Document]] = None,
        query_images: Any = None,
        query_uris: Optional[t.OneOrMany[t.URI]] = None,
        ids: Optional[t.OneOrMany[t.ID]] = None,
        n_results: int = 10,
        where: Optional[t.Where] = None,
        where_document: Optional[t.WhereDocument] = None,
        include: t.Include = ["metadatas", "documents", "distances"],  # noqa: B006
    ) -> t.QueryResult:
        embeddings, texts, ids_, include_ = self._prepare_query(
            query_embeddings, query_texts, query_images, query_uris, ids, n_results, where, where_document, include
        )
        raw = self._handle.query(
            embeddings, texts, n_results, ids_, _dumps(where), _dumps(where_document), include_
        )
        result: Dict[str, Any] = {
            "ids": raw["ids"],
            "embeddings": raw["embeddings"],
            "documents": raw["documents"],
            "uris": raw["uris"] if "uris" in include_ else None,
            "included": include_,
            "data": None,
            "metadatas": raw["metadatas"],
            "distances": raw["distances"],
        }
        if "data" in include_ and self._data_loader is not None and raw["uris"] is not None:
            result["data"] = [self._data_loader(u) for u in raw["uris"]]
        return result  # type: ignore[return-value]

    @_validation_context("query")
    def _prepare_query(
        self,
        query_embeddings: Any,
        query_texts: Any,
        query_images: Any,
        query_uris: Any,
        ids: Any,
        n_results: Any,
        where: Any,
        where_document: Any,
        include: Any,
    ) -> Any:
        embeddings = t.normalize_embeddings(query_embeddings)
        texts = t.maybe_cast_one_to_many(query_texts)
        images = t.maybe_cast_one_to_many(query_images)
        uris = t.maybe_cast_one_to_many(query_uris)
        record_set = {"embeddings": embeddings, "documents": texts, "images": images, "uris": uris}
        t.validate_record_set_lengths(record_set)
        if embeddings is not None:
            t.validate_embeddings(embeddings)
        if texts is not None:
            t.validate_documents(texts)
        ids_ = t.maybe_cast_one_to_many(ids)
        self._validate_filters(where, where_document)
        t.validate_include(include)
        t.validate_n_results(n_results)
        if embeddings is not None:
            texts = None  # chromadb queries with the embeddings and ignores texts given beside them
        else:
            given = [k for k in ("documents", "images", "uris") if record_set[k] is not None]
            if len(given) != 1:
                raise ValueError("Exactly one of documents, images, uris must be provided")
            if texts is not None:
                self._require_embedding_function()
            else:
                # Images and URIs are embedded here, in Python: the engine embeds text only.
                embeddings = self._embed_non_text(images, uris, is_query=True)
                texts = None
        return embeddings, texts, ids_, self._request_include(include)

    # --- writes -------------------------------------------------------------------------------------
    def add(
        self,
        ids: t.OneOrMany[t.ID],
        embeddings: Any = None,
        metadatas: Optional[t.OneOrMany[t.Metadata]] = None,
        documents: Optional[t.OneOrMany[t.Document]] = None,
        images: Any = None,
        uris: Optional[t.OneOrMany[t.URI]] = None,
    ) -> None:
        r = self._prepare_write("add", ids, embeddings, metadatas, documents, images, uris)
        self._handle.add(*r)

    def upsert(
        self,
        ids: t.OneOrMany[t.ID],
        embeddings: Any = None,
        metadatas: Optional[t.OneOrMany[t.Metadata]] = None,
        documents: Optional[t.OneOrMany[t.Document]] = None,
        images: Any = None,
        uris: Optional[t.OneOrMany[t.URI]] = None,
    ) -> None:
        r = self._prepare_write("upsert", ids, embeddings, metadatas, documents, images, uris)
        self._handle.upsert(*r)

    def update(
        self,
        ids: t.OneOrMany[t.ID],
        embeddings: Any = None,
        metadatas: Optional[t.OneOrMany[t.Metadata]] = None,
        documents: Optional[t.OneOrMany[t.Document]] = None,
        images: Any = None,
        uris: Optional[t.OneOrMany[t.URI]] = None,
    ) -> None:
        r = self._prepare_write("update", ids, embeddings, metadatas, documents, images, uris)
        self._handle.update(*r)

    def _prepare_write(
        self, kind: str, ids: Any, embeddings: Any, metadatas: Any, documents: Any, images: Any, uris: Any
    ) -> Any:
        try:
            return self._prepare_write_checked(kind, ids, embeddings, metadatas, documents, images, uris)
        except Exception as e:
            if e.args:
                e.args = (f"{e.args[0]} in {kind}.",) + e.args[1:]
            raise

    def _prepare_write_checked(
        self, kind: str, ids: Any, embeddings: Any, metadatas: Any, documents: Any, images: Any, uris: Any
    ) -> Any:
        ids_ = t.maybe_cast_one_to_many(ids)
        embeddings_ = t.normalize_embeddings(embeddings)
        metadatas_ = t.maybe_cast_one_to_many(metadatas)
        documents_ = t.maybe_cast_one_to_many(documents)
        images_ = t.maybe_cast_one_to_many(images)
        uris_ = t.maybe_cast_one_to_many(uris)
        t.validate_record_set_lengths(
            {
                "ids": ids_,
                "metadatas": metadatas_,
                "embeddings": embeddings_,
                "documents": documents_,
                "images": images_,
                "uris": uris_,
            }
        )
        if embeddings_ is not None:
            t.validate_embeddings(embeddings_)
        if documents_ is not None:
            t.validate_documents(documents_, nullable=embeddings_ is not None)
        t.validate_ids(ids_)
        if metadatas_ is not None:
            t.validate_metadatas(metadatas_)
        max_batch = self._client.get_max_batch_size()
        if len(ids_) > max_batch:
            raise ValueError(f"Batch size of {len(ids_)} is greater than max batch size of {max_batch}")
        if embeddings_ is None:
            embeddable = {"documents": documents_, "images": images_, "uris": uris_}
            given = [k for k, v in embeddable.items() if v is not None]
            if kind == "update" and documents_ is None and images_ is None:
                given = []  # an update without documents or images changes no embedding
            elif len(given) != 1:
                raise ValueError("Exactly one of documents, images, uris must be provided")
            if given == ["documents"]:
                self._require_embedding_function()
            elif given:
                embeddings_ = self._embed_non_text(images_, uris_ if images_ is None else None, is_query=False)
        metadatas_ = self._apply_sparse_embeddings_to_metadatas(metadatas_, documents_)
        return ids_, embeddings_, documents_, metadatas_, uris_

    # --- sparse vectors computed from documents (chromadb's CollectionCommon) -----------------------
    def _sparse_embedding_targets(self) -> Dict[str, Any]:
        """Keys whose enabled sparse vector index names a source key and a known embedding function."""
        schema = self._fresh_info().get("schema") or {}
        targets: Dict[str, Any] = {}
        for key, value_types in (schema.get("keys") or {}).items():
            index = ((value_types or {}).get("sparse_vector") or {}).get("sparse_vector_index") or {}
            if not index.get("enabled"):
                continue
            config = index.get("config") or {}
            ef = config.get("embedding_function")
            if config.get("source_key") is None or not isinstance(ef, dict) or ef.get("type") != "known":
                continue
            targets[key] = config
        return targets

    def _apply_sparse_embeddings_to_metadatas(self, metadatas: Any, documents: Any) -> Any:
        targets = self._sparse_embedding_targets()
        if not targets:
            return metadatas
        from ochredb.utils.embedding_functions import sparse_known_embedding_functions

        if metadatas is None:
            if documents is None:
                return None
            metadatas = [{} for _ in range(len(documents))]
        updated = [dict(m) if m is not None else {} for m in metadatas]
        for target_key, config in targets.items():
            source_key = config["source_key"]
            descriptor = config["embedding_function"]
            cls = sparse_known_embedding_functions.get(descriptor.get("name"))
            if cls is None:
                raise ValueError(
                    f"Sparse embedding function {descriptor.get('name')!r} of key {target_key!r} is not "
                    "available in ochredb (it has chroma_bm25)"
                )
            ef = cls.build_from_config(descriptor.get("config") or {})
            inputs: List[str] = []
            positions: List[int] = []
            for idx, m in enumerate(updated):
                if target_key in m:
                    continue
                if source_key == "#document":
                    value = documents[idx] if documents is not None and idx < len(documents) else None
                else:
                    value = m.get(source_key)
                if isinstance(value, str):
                    inputs.append(value)
                    positions.append(idx)
            if not inputs:
                continue
            vectors = ef(inputs)
            if len(vectors) != len(positions):
                raise ValueError("Sparse embedding function returned unexpected number of embeddings.")
            for position, vector in zip(positions, vectors):
                updated[position][target_key] = vector
        result = [m if m else None for m in updated]
        t.validate_metadatas(result)
        return result

    def delete(
        self,
        ids: Optional[t.OneOrMany[t.ID]] = None,
        where: Optional[t.Where] = None,
        where_document: Optional[t.WhereDocument] = None,
        limit: Optional[int] = None,
    ) -> t.DeleteResult:
        ids_ = self._prepare_delete(ids, where, where_document, limit)
        deleted = self._handle.delete(ids_, _dumps(where), _dumps(where_document), limit)
        return {"deleted": deleted}

    @_validation_context("delete")
    def _prepare_delete(self, ids: Any, where: Any, where_document: Any, limit: Any) -> Any:
        if ids is None and where is None and where_document is None:
            raise ValueError("At least one of ids, where, or where_document must be provided")
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool):
                raise TypeError("limit must be a non-negative integer")
            if limit < 0:
                raise ValueError("limit must be a non-negative integer")
            if where is None and where_document is None:
                raise ValueError("limit can only be specified when a where or where_document clause is provided")
        ids_ = t.maybe_cast_one_to_many(ids)
        if ids_ is not None:
            t.validate_ids(ids_)
        self._validate_filters(where, where_document)
        return ids_

    def modify(
        self,
        name: Optional[str] = None,
        metadata: Optional[t.CollectionMetadata] = None,
        configuration: Optional[Dict[str, Any]] = None,
    ) -> None:
        if metadata is not None:
            t.validate_metadata(metadata)
            if "hnsw:space" in metadata:
                raise ValueError(
                    "Changing the distance function of a collection once it is created is not supported currently."
                )
        hnsw = None
        if configuration:
            from ochredb.api.client import update_configuration_to_hnsw

            hnsw = update_configuration_to_hnsw(configuration)
        self._handle.modify(name, metadata, hnsw)
        self._info = None

    # --- search ---------------------------------------------------------------------------------------
    def search(self, searches: Any, read_level: Any = None) -> t.SearchResult:
        """Runs one Search or a list of them (chromadb's Search API, answered here rather than only
        by Chroma Cloud): filter, rank (Knn, arithmetic, Rrf), group_by, limit, select. String
        queries of Knn are embedded first, as chromadb does. Returns a SearchResult, column-major,
        one entry per search; ``.rows()`` gives records."""
        from ochredb.api.models import search as s

        def embed_dense(text: str) -> Any:
            self._require_embedding_function()
            if self._embedding_function is None:
                raise ValueError("You must provide an embedding function to compute embeddings.")
            return s.embed_one(self._embedding_function, text)

        def embed_sparse(key: str, text: str) -> Any:
            # The stored JSON: building a Schema would rebuild every function it names.
            return s.embed_one(s.sparse_function_of(self._handle.info().get("schema"), key), text)

        request = s.build_request(searches, read_level, embed_dense, embed_sparse)
        if request is None:
            return s.assemble_result([])
        return s.assemble_result(self._handle.search(request))

    # --- not available locally, as in chromadb ---------------------------------------------------------
    def fork(self, new_name: str) -> "Collection":
        raise NotImplementedError("Collection forking is not implemented for Local Chroma")

    def fork_count(self) -> int:
        raise NotImplementedError("Fork count is not implemented for Local Chroma")


    # --- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _validate_filters(where: Any, where_document: Any) -> None:
        if where is not None:
            t.validate_where(where)
        if where_document is not None:
            t.validate_where_document(where_document)

    def _request_include(self, include: List[str]) -> List[str]:
        if "data" in include and self._data_loader is None:
            raise ValueError("You must set a data loader on the collection if loading from URIs.")
        request = list(include)
        if "data" in request and "uris" not in request:
            request.append("uris")  # the data loader needs them
        return request

    def _require_embedding_function(self) -> None:
        if self._handle.embedding_function_name() is None:
            raise ValueError(
                "You must provide an embedding function to compute embeddings."
                "https://docs.trychroma.com/guides/embeddings"
            )

    def _embed_non_text(self, images: Any, uris: Any, is_query: bool) -> Any:
        if self._embedding_function is None:
            self._require_embedding_function()
            raise ValueError("You must provide an embedding function to compute embeddings.")
        if images is not None:
            source = images
        else:
            if self._data_loader is None:
                raise ValueError("You must set a data loader on the collection if loading from URIs.")
            source = self._data_loader(uris)
        ef = self._embedding_function
        out = ef.embed_query(input=source) if is_query and hasattr(ef, "embed_query") else ef(source)
        return t.validate_embeddings(t.normalize_embeddings(out))

    def _get_result(self, raw: Dict[str, Any], include: List[str]) -> t.GetResult:
        result: Dict[str, Any] = {
            "ids": raw["ids"],
            "embeddings": raw["embeddings"],
            "documents": raw["documents"],
            "uris": raw["uris"] if "uris" in include else None,
            "included": include,
            "data": None,
            "metadatas": raw["metadatas"],
        }
        if "data" in include and self._data_loader is not None and raw["uris"] is not None:
            result["data"] = self._data_loader(raw["uris"])
        return result  # type: ignore[return-value]


__all__ = ["Collection"]
