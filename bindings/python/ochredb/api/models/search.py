"""``collection.search``: what happens in Python before and after the engine runs the searches.

Before: string queries of ``Knn`` are embedded (on ``#embedding`` with the collection's embedding
function, on a sparse metadata key with the sparse function its schema names), exactly where
chromadb's client embeds them (CollectionCommon._embed_knn_string_queries). Then the searches go
to the engine as the JSON chromadb sends to ``POST …/search``, and its per-search answers are
put together column-major into a ``SearchResult``.
"""

import dataclasses
import json
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from ochredb.api import types as t
from ochredb.base_types import SPARSE_VECTOR_TYPE_VALUE, TYPE_KEY, SparseVector
from ochredb.execution.expression.operator import Key, Knn, Rank
from ochredb.execution.expression.plan import Search

_COLUMNS = ("ids", "documents", "embeddings", "metadatas", "scores", "select")


def build_request(
    searches: Any, read_level: Any, embed_dense: Callable[[str], Any], embed_sparse: Callable[[str, str], Any]
) -> Optional[str]:
    """The engine's request: {"searches": [...], "read_level": ...} with every string query embedded;
    None for no searches (answered empty without the engine)."""
    items = t.maybe_cast_one_to_many(searches) or []
    payload = []
    for search in items:
        if not isinstance(search, Search):
            raise TypeError(f"searches must be Search objects, got {type(search).__name__}")
        if search._rank is not None:
            search = search.rank(_embed_rank(search._rank, embed_dense, embed_sparse))
        payload.append(search.to_dict())
    if not payload:
        return None
    level = read_level.value if isinstance(read_level, t.ReadLevel) else (read_level or "index_and_wal")
    return json.dumps({"searches": payload, "read_level": level}, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _embed_rank(rank: Rank, embed_dense: Callable[[str], Any], embed_sparse: Callable[[str, str], Any]) -> Rank:
    """``rank`` with each Knn's string query replaced by its embedding; other nodes copied."""
    if isinstance(rank, Knn):
        if not isinstance(rank.query, str):
            return rank
        key = rank.key.name if isinstance(rank.key, Key) else rank.key
        query = embed_dense(rank.query) if key == "#embedding" else embed_sparse(key, rank.query)
        return dataclasses.replace(rank, query=query)
    if not dataclasses.is_dataclass(rank):
        return rank
    changes: Dict[str, Any] = {}
    for f in dataclasses.fields(rank):
        value = getattr(rank, f.name)
        if isinstance(value, Rank):
            changes[f.name] = _embed_rank(value, embed_dense, embed_sparse)
        elif isinstance(value, list) and value and all(isinstance(v, Rank) for v in value):
            changes[f.name] = [_embed_rank(v, embed_dense, embed_sparse) for v in value]
    return dataclasses.replace(rank, **changes) if changes else rank


def sparse_function_of(schema: Any, key: str) -> Any:
    """The sparse embedding function the collection's schema gives ``key``, or a ValueError with
    chromadb's messages."""
    keys = (schema.get("keys") if schema is not None else None) or {}
    if key not in keys:
        raise ValueError(
            f"Cannot embed string query for key '{key}': key not found in schema. Please provide an embedded "
            f"vector or configure an embedding function for this key in the schema."
        )
    for value_type, index_name in (("sparse_vector", "sparse_vector_index"), ("float_list", "vector_index")):
        index = ((keys[key] or {}).get(value_type) or {}).get(index_name) or {}
        ef_json = (index.get("config") or {}).get("embedding_function")
        if index.get("enabled") and ef_json:
            return _known_function(ef_json)
    raise ValueError(
        f"Cannot embed string query for key '{key}': no embedding function configured for this key in the "
        f"schema. Please provide an embedded vector or configure an embedding function."
    )


def _known_function(ef_json: Dict[str, Any]) -> Any:
    from ochredb.api.schema import known_function_class

    name, config = ef_json.get("name"), ef_json.get("config") or {}
    try:
        return known_function_class(name, sparse=True).build_from_config(config)
    except ValueError:
        return known_function_class(name, sparse=False).build_from_config(config)


def embed_one(ef: Any, text: str) -> Any:
    """The query embedding of one text: dense (a float32 array) or sparse (a SparseVector)."""
    out = ef.embed_query(input=[text]) if hasattr(ef, "embed_query") else ef([text])
    if not out or len(out) != 1:
        raise ValueError("Embedding function returned unexpected number of embeddings")
    vector = out[0]
    if isinstance(vector, SparseVector):
        return vector
    if isinstance(vector, dict) and vector.get(TYPE_KEY) == SPARSE_VECTOR_TYPE_VALUE:
        return SparseVector.from_dict(vector)
    return np.asarray(vector, dtype=np.float32)


def assemble_result(per_search: List[Dict[str, Any]]) -> t.SearchResult:
    """The engine's answers (one dict per search) as chromadb's column-major SearchResult."""
    result: Dict[str, List[Any]] = {name: [] for name in _COLUMNS}
    for answer in per_search:
        for name in _COLUMNS:
            value = answer.get(name)
            if name == "metadatas" and value is not None:
                value = [_sparse_values(m) for m in value]
            result[name].append(value if value is not None or name not in ("ids", "select") else [])
    return t.SearchResult(result)


def _sparse_values(metadata: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not metadata:
        return metadata
    return {
        k: SparseVector.from_dict(v) if isinstance(v, dict) and v.get(TYPE_KEY) == SPARSE_VECTOR_TYPE_VALUE else v
        for k, v in metadata.items()
    }
