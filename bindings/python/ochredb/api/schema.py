"""chromadb's ``Schema`` and index configuration classes (chromadb/api/types.py), without pydantic.

A Schema says, per value type ("defaults") and per key ("keys"), which indexes exist and how they
are configured. ``serialize_to_json()`` gives the JSON that chromadb sends at collection creation
and that the engine stores and validates (src/api/collection_schema.h); ``deserialize_from_json``
reads it back, rebuilding known embedding functions. ``create_index`` / ``delete_index`` follow
chromadb's rules and messages. The typical use is hybrid search::

    schema = Schema().create_index(
        SparseVectorIndexConfig(source_key=K.DOCUMENT, embedding_function=ChromaBm25EmbeddingFunction()),
        key="sparse_embedding",
    )
    collection = client.create_collection("docs", schema=schema)

The engine indexes every metadata key whatever the schema says: an index recorded as disabled is
kept in the schema for clients, not enforced.
"""

import copy
import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Type

DOCUMENT_KEY = "#document"
EMBEDDING_KEY = "#embedding"


def _source_key(value: Any) -> Optional[str]:
    if value is None:
        return None
    name = getattr(value, "name", value)
    if not isinstance(name, str):
        raise ValueError(f"source_key must be str or Key, got {type(value).__name__}")
    if name.startswith("#") and name != DOCUMENT_KEY:
        raise ValueError(
            "source_key cannot begin with '#'. The only valid key starting with '#' is Key.DOCUMENT or '#document'."
        )
    return name


class _Config:
    """Base of the index configs: keyword fields only, unknown ones refused, None fields left out
    of the JSON (pydantic's model_dump(exclude_none=True) in chromadb)."""

    def __init__(self, **kwargs: Any) -> None:
        names = [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        unknown = [k for k in kwargs if k not in names]
        if unknown:
            raise ValueError(f"Invalid fields for {type(self).__name__}: {', '.join(unknown)}")
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default  # type: ignore[misc]
            setattr(self, f.name, kwargs.get(f.name, default))
        self.__post_init__()

    def __post_init__(self) -> None:
        pass

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "embedding_function" or value is None:
                continue
            out[f.name] = value.to_json() if isinstance(value, _Config) else value
        return out


def _config_class(cls: type) -> type:
    return dataclass(init=False, repr=True, eq=True)(cls)


@_config_class
class FtsIndexConfig(_Config):
    """Full-text search over documents (only on "#document")."""


@_config_class
class StringInvertedIndexConfig(_Config):
    pass


@_config_class
class IntInvertedIndexConfig(_Config):
    pass


@_config_class
class FloatInvertedIndexConfig(_Config):
    pass


@_config_class
class BoolInvertedIndexConfig(_Config):
    pass


@_config_class
class HnswIndexConfig(_Config):
    ef_construction: Optional[int] = None
    max_neighbors: Optional[int] = None
    ef_search: Optional[int] = None
    num_threads: Optional[int] = None
    batch_size: Optional[int] = None
    sync_threshold: Optional[int] = None
    resize_factor: Optional[float] = None


@_config_class
class SpannIndexConfig(_Config):
    search_nprobe: Optional[int] = None
    write_nprobe: Optional[int] = None
    ef_construction: Optional[int] = None
    ef_search: Optional[int] = None
    max_neighbors: Optional[int] = None
    reassign_neighbor_count: Optional[int] = None
    split_threshold: Optional[int] = None
    merge_threshold: Optional[int] = None


def _default_embedding_function() -> Any:
    from ochredb.utils.embedding_functions import DefaultEmbeddingFunction

    return DefaultEmbeddingFunction()


@_config_class
class VectorIndexConfig(_Config):
    """The dense vector index: space, embedding function (default: all-MiniLM-L6-v2), HNSW or
    SPANN parameters (SPANN's are recorded; the engine's index is HNSW)."""

    space: Optional[str] = None
    embedding_function: Optional[Any] = field(default_factory=_default_embedding_function)
    source_key: Optional[str] = None
    hnsw: Optional[HnswIndexConfig] = None
    spann: Optional[SpannIndexConfig] = None

    def __post_init__(self) -> None:
        self.source_key = _source_key(self.source_key)
        if self.embedding_function is not None and not callable(self.embedding_function):
            raise ValueError("embedding_function must be callable or None")
        for name, cls in (("hnsw", HnswIndexConfig), ("spann", SpannIndexConfig)):
            value = getattr(self, name)
            if isinstance(value, dict):
                setattr(self, name, cls(**value))

    def to_json(self) -> Dict[str, Any]:
        out = super().to_json()
        ef = self.embedding_function
        if ef is None or _is_legacy(ef):
            out["embedding_function"] = {"type": "legacy"}
            return out
        try:
            out["embedding_function"] = {"name": ef.name(), "type": "known", "config": ef.get_config()}
        except Exception:
            out["embedding_function"] = {"type": "legacy"}
            return out
        if self.space is None and callable(getattr(ef, "default_space", None)):
            out["space"] = ef.default_space()
        elif self.space is not None and callable(getattr(ef, "supported_spaces", None)):
            if self.space not in ef.supported_spaces():
                warnings.warn(
                    f"space {self.space} is not supported by {ef.name()}. Supported spaces: {ef.supported_spaces()}",
                    UserWarning,
                    stacklevel=3,
                )
        return out


@_config_class
class SparseVectorIndexConfig(_Config):
    """A sparse vector index on one metadata key. With ``source_key`` (usually K.DOCUMENT) and a
    sparse ``embedding_function`` (e.g. ChromaBm25EmbeddingFunction) the client computes the
    key's vectors from the documents on add; ``bm25`` weights query terms by their IDF."""

    embedding_function: Optional[Any] = None
    source_key: Optional[str] = None
    bm25: Optional[bool] = None

    def __post_init__(self) -> None:
        self.source_key = _source_key(self.source_key)
        if self.embedding_function is not None and not callable(self.embedding_function):
            raise ValueError("embedding_function must be a callable SparseEmbeddingFunction or None")

    def to_json(self) -> Dict[str, Any]:
        out = super().to_json()
        ef = self.embedding_function
        if ef is None:
            out["embedding_function"] = {"type": "unknown"}
        else:
            out["embedding_function"] = {"name": ef.name(), "type": "known", "config": ef.get_config()}
        return out


def _is_legacy(ef: Any) -> bool:
    check = getattr(ef, "is_legacy", None)
    if callable(check):
        try:
            return bool(check())
        except Exception:
            return True
    return not callable(getattr(ef, "name", None))


@dataclass
class IndexType:
    """One index of a value type: whether it is on, and its config (chromadb's FtsIndexType,
    VectorIndexType, ... are all this shape)."""

    enabled: bool
    config: Any


FtsIndexType = VectorIndexType = SparseVectorIndexType = StringInvertedIndexType = IndexType
IntInvertedIndexType = FloatInvertedIndexType = BoolInvertedIndexType = IndexType

# Value types: (JSON name, ValueTypes attribute, [(index JSON name, config class)]).
_VALUE_TYPES: List[Tuple[str, str, List[Tuple[str, Type[_Config]]]]] = [
    ("string", "string", [("fts_index", FtsIndexConfig), ("string_inverted_index", StringInvertedIndexConfig)]),
    ("float_list", "float_list", [("vector_index", VectorIndexConfig)]),
    ("sparse_vector", "sparse_vector", [("sparse_vector_index", SparseVectorIndexConfig)]),
    ("int", "int_value", [("int_inverted_index", IntInvertedIndexConfig)]),
    ("float", "float_value", [("float_inverted_index", FloatInvertedIndexConfig)]),
    ("bool", "boolean", [("bool_inverted_index", BoolInvertedIndexConfig)]),
]
_WHERE_CONFIG = {cls: (attr, index) for _, attr, indexes in _VALUE_TYPES for index, cls in indexes}


class ValueType:
    """The indexes of one value type; attributes are the index names (``fts_index``, ...)."""

    def __init__(self, **indexes: Optional[IndexType]) -> None:
        for name, value in indexes.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"ValueType({vars(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValueType) and vars(self) == vars(other)


StringValueType = FloatListValueType = SparseVectorValueType = ValueType
IntValueType = FloatValueType = BoolValueType = ValueType


class ValueTypes:
    """Per value type (``string``, ``float_list``, ``sparse_vector``, ``int_value``,
    ``float_value``, ``boolean``) its indexes, or None when the key has none of that type."""

    def __init__(self, **types: Optional[ValueType]) -> None:
        for _, attr, _ in _VALUE_TYPES:
            setattr(self, attr, types.get(attr))

    def __repr__(self) -> str:
        return f"ValueTypes({ {k: v for k, v in vars(self).items() if v is not None}!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValueTypes) and vars(self) == vars(other)


def _all_indexes(enabled: bool) -> ValueTypes:
    return ValueTypes(
        **{attr: ValueType(**{i: IndexType(enabled, cls()) for i, cls in idx}) for _, attr, idx in _VALUE_TYPES}
    )


class Schema:
    """A collection schema: ``defaults`` (ValueTypes) and ``keys`` (key -> ValueTypes)."""

    def __init__(self) -> None:
        self.defaults = _all_indexes(True)
        self.defaults.string.fts_index.enabled = False  # type: ignore[union-attr]
        self.defaults.float_list.vector_index.enabled = False  # type: ignore[union-attr]
        self.defaults.sparse_vector.sparse_vector_index.enabled = False  # type: ignore[union-attr]
        self.keys: Dict[str, ValueTypes] = {
            DOCUMENT_KEY: ValueTypes(
                string=ValueType(
                    fts_index=IndexType(True, FtsIndexConfig()),
                    string_inverted_index=IndexType(False, StringInvertedIndexConfig()),
                )
            ),
            EMBEDDING_KEY: ValueTypes(
                float_list=ValueType(vector_index=IndexType(True, VectorIndexConfig(source_key=DOCUMENT_KEY)))
            ),
        }
        self.cmek: Any = None
        self._source_json: Optional[Dict[str, Any]] = None

    # --- chromadb's editing API --------------------------------------------------------------------
    def create_index(self, config: Any = None, key: Any = None) -> "Schema":
        self._source_json = None
        key = getattr(key, "name", key)
        if config is None and key is None:
            raise ValueError("Cannot enable all index types globally. Must specify either config or key.")
        if key == EMBEDDING_KEY:
            raise ValueError(
                f"Cannot create index on special key '{key}'. This key is managed automatically by the system. "
                "Invoke create_index(VectorIndexConfig(...)) without specifying a key to configure the vector index "
                "globally."
            )
        self._check_key(key, config, "create")
        if isinstance(config, VectorIndexConfig):
            if key is not None:
                raise ValueError(
                    "Vector index cannot be enabled on specific keys. Use create_index(config=VectorIndexConfig(...)) "
                    "without specifying a key to configure the vector index globally."
                )
            self._set_vector_index(config)
            return self
        if isinstance(config, FtsIndexConfig) and key != DOCUMENT_KEY:
            raise ValueError(
                "FTS index can only be enabled on #document key. Use create_index(config=FtsIndexConfig(), key='#document')"
            )
        if isinstance(config, SparseVectorIndexConfig) and key is None:
            raise ValueError(
                "Sparse vector index must be created on a specific key. Please specify a key using: "
                "create_index(config=SparseVectorIndexConfig(...), key='your_key')"
            )
        if config is None:
            raise ValueError(
                f"Cannot enable all index types for key '{key}'. Please specify a specific index configuration."
            )
        if isinstance(config, SparseVectorIndexConfig) and config.source_key is not None and config.embedding_function is None:
            raise ValueError(
                "If source_key is provided then embedding_function must also be provided since there is no default "
                f"embedding function. Config: {config}"
            )
        self._set_index(key, config, True)
        return self

    def delete_index(self, config: Any = None, key: Any = None) -> "Schema":
        self._source_json = None
        key = getattr(key, "name", key)
        if config is None and key is None:
            raise ValueError("Cannot disable all indexes. Must specify either config or key.")
        if key == EMBEDDING_KEY:
            raise ValueError("Cannot modify #embedding. Currently not supported")
        self._check_key(key, config, "delete")
        if isinstance(config, VectorIndexConfig):
            raise ValueError("Deleting vector index is not currently supported.")
        if isinstance(config, SparseVectorIndexConfig):
            raise ValueError("Deleting sparse vector index is not currently supported.")
        if isinstance(config, FtsIndexConfig) and key != DOCUMENT_KEY:
            raise ValueError("Deleting FTS index is only supported on #document key.")
        if config is None:
            raise ValueError(
                f"Cannot disable all index types for key '{key}'. Please specify a specific index configuration."
            )
        self._set_index(key, config, False)
        return self

    def set_cmek(self, cmek: Any) -> "Schema":
        self.cmek = cmek
        return self

    @staticmethod
    def _check_key(key: Optional[str], config: Any, verb: str) -> None:
        if key == DOCUMENT_KEY and not isinstance(config, FtsIndexConfig):
            raise ValueError(
                f"Cannot {verb} index on special key '{key}' with this config. Only FtsIndexConfig is allowed for #document."
            )
        if key is not None and key.startswith("#") and key != DOCUMENT_KEY:
            raise ValueError("key cannot begin with '#'. Keys starting with '#' are reserved for system use.")

    def _set_vector_index(self, config: VectorIndexConfig) -> None:
        defaults = self.defaults.float_list.vector_index  # type: ignore[union-attr]
        self.defaults.float_list.vector_index = IndexType(defaults.enabled, config)  # type: ignore[union-attr]
        current = self.keys[EMBEDDING_KEY].float_list.vector_index  # type: ignore[union-attr]
        embedding = VectorIndexConfig(
            space=config.space,
            embedding_function=config.embedding_function,
            hnsw=config.hnsw,
            spann=config.spann,
            source_key=current.config.source_key,
        )
        self.keys[EMBEDDING_KEY].float_list.vector_index = IndexType(current.enabled, embedding)  # type: ignore[union-attr]

    def _set_index(self, key: Optional[str], config: Any, enabled: bool) -> None:
        attr, index = _WHERE_CONFIG[type(config)]
        types = self.defaults if key is None else self.keys.setdefault(key, ValueTypes())
        if getattr(types, attr) is None:
            setattr(types, attr, ValueType())
        setattr(getattr(types, attr), index, IndexType(enabled, config))

    # --- JSON ----------------------------------------------------------------------------------------
    def serialize_to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "defaults": _value_types_to_json(self.defaults),
            "keys": {k: _value_types_to_json(v) for k, v in self.keys.items()},
        }
        if self.cmek is not None:
            out["cmek"] = self.cmek.to_dict() if hasattr(self.cmek, "to_dict") else self.cmek
        return out

    @classmethod
    def deserialize_from_json(cls, json_data: Dict[str, Any]) -> "Schema":
        schema = cls.__new__(cls)
        schema.defaults = _value_types_from_json(json_data.get("defaults") or {})
        schema.keys = {k: _value_types_from_json(v or {}) for k, v in (json_data.get("keys") or {}).items()}
        schema.cmek = json_data.get("cmek")
        schema._source_json = copy.deepcopy(json_data)
        return schema

    def _json_view(self) -> Dict[str, Any]:
        # The JSON it was read from, exactly (functions this process cannot rebuild included),
        # until it is edited.
        return self._source_json if self._source_json is not None else self.serialize_to_json()

    def __getitem__(self, name: str) -> Any:
        # ochredb's collection.schema used to be the JSON dict; reading it as one still works.
        return self._json_view()[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._json_view().get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self._json_view()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.serialize_to_json() == other.serialize_to_json()

    def __repr__(self) -> str:
        return f"Schema({self.serialize_to_json()!r})"


def _value_types_to_json(types: ValueTypes) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for json_name, attr, indexes in _VALUE_TYPES:
        value_type = getattr(types, attr)
        if value_type is None:
            continue
        entry = {}
        for index_name, _ in indexes:
            index = getattr(value_type, index_name, None)
            if index is not None:
                entry[index_name] = {"enabled": index.enabled, "config": index.config.to_json()}
        out[json_name] = entry
    return out


def _value_types_from_json(data: Dict[str, Any]) -> ValueTypes:
    types = ValueTypes()
    for json_name, attr, indexes in _VALUE_TYPES:
        if json_name not in data:
            continue
        value_type = ValueType()
        for index_name, config_cls in indexes:
            if index_name in (data[json_name] or {}):
                index = data[json_name][index_name] or {}
                config = _config_from_json(config_cls, copy.deepcopy(index.get("config") or {}))
                setattr(value_type, index_name, IndexType(index.get("enabled", True), config))
        setattr(types, attr, value_type)
    return types


def _config_from_json(config_cls: Type[_Config], data: Dict[str, Any]) -> _Config:
    if "embedding_function" in data:
        data["embedding_function"] = _embedding_function_from_json(
            data["embedding_function"], sparse=config_cls is SparseVectorIndexConfig
        )
        if config_cls is VectorIndexConfig and data.get("space") is None and data["embedding_function"] is not None:
            data["space"] = data["embedding_function"].default_space()
    elif config_cls is VectorIndexConfig:
        data["embedding_function"] = None
    known = {f.name for f in dataclasses.fields(config_cls)}  # type: ignore[arg-type]
    return config_cls(**{k: v for k, v in data.items() if k in known})


def known_function_class(name: Any, sparse: bool) -> Any:
    """The class chromadb's registries (known_embedding_functions, sparse_known_embedding_functions)
    hold under ``name``, or the engine's own functions ("default", "onnx_mini_lm_l6_v2",
    "ochre_hashing"), which are not registered since the engine rebuilds those itself."""
    from ochredb.utils import embedding_functions as efs

    registry = getattr(efs, "sparse_known_embedding_functions" if sparse else "known_embedding_functions", {})
    if name in registry:
        return registry[name]
    if not sparse:
        native = {
            "default": efs.DefaultEmbeddingFunction,
            "onnx_mini_lm_l6_v2": efs.ONNXMiniLM_L6_V2,
            "ochre_hashing": efs.HashingEmbeddingFunction,
        }
        if name in native:
            return native[name]
    raise ValueError(f"Embedding function {name} not found. Add @register_embedding_function decorator to the class definition.")


def _embedding_function_from_json(ef_json: Any, sparse: bool) -> Any:
    if not isinstance(ef_json, dict) or ef_json.get("type") != "known":
        return None
    name = ef_json.get("name")
    try:
        return known_function_class(name, sparse).build_from_config(ef_json.get("config") or {})
    except Exception as e:  # chromadb warns and carries on without the function
        kind = "sparse embedding function" if sparse else "embedding function"
        warnings.warn(f"Could not reconstruct {kind} {name}: {e!r}. Setting to None.", UserWarning, stacklevel=3)
        return None


__all__ = [
    "Schema",
    "ValueTypes",
    "IndexType",
    "FtsIndexConfig",
    "VectorIndexConfig",
    "HnswIndexConfig",
    "SpannIndexConfig",
    "SparseVectorIndexConfig",
    "StringInvertedIndexConfig",
    "IntInvertedIndexConfig",
    "FloatInvertedIndexConfig",
    "BoolInvertedIndexConfig",
]
