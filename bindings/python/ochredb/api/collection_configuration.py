"""chromadb's ``chromadb.api.collection_configuration``: the configuration TypedDicts and the JSON
helpers that turn them into, and back from, what a collection stores as ``configuration_json``.

An embedding function is stored as chromadb stores it: ``{"type": "known", "name": ef.name(),
"config": ef.get_config()}``, or ``{"type": "legacy"}`` for a function without a name; loading
rebuilds a known one with the class registered under that name (register_embedding_function).
"""

from typing import Any, Dict, Optional, TypedDict, cast

from ochredb.api.types import CollectionMetadata, EmbeddingFunction, Space


class HNSWConfiguration(TypedDict, total=False):
    space: Space
    ef_construction: int
    max_neighbors: int
    ef_search: int
    num_threads: int
    batch_size: int
    sync_threshold: int
    resize_factor: float


class SpannConfiguration(TypedDict, total=False):
    search_nprobe: int
    write_nprobe: int
    space: Space
    ef_construction: int
    ef_search: int
    max_neighbors: int
    reassign_neighbor_count: int
    split_threshold: int
    merge_threshold: int


class CollectionConfiguration(TypedDict, total=True):
    hnsw: Optional[HNSWConfiguration]
    spann: Optional[SpannConfiguration]
    embedding_function: Optional[EmbeddingFunction]


class CreateHNSWConfiguration(TypedDict, total=False):
    space: Space
    ef_construction: int
    max_neighbors: int
    ef_search: int
    num_threads: int
    batch_size: int
    sync_threshold: int
    resize_factor: float


class CreateSpannConfiguration(TypedDict, total=False):
    search_nprobe: int
    write_nprobe: int
    space: Space
    ef_construction: int
    ef_search: int
    max_neighbors: int
    reassign_neighbor_count: int
    split_threshold: int
    merge_threshold: int


class CreateCollectionConfiguration(TypedDict, total=False):
    hnsw: Optional[CreateHNSWConfiguration]
    spann: Optional[CreateSpannConfiguration]
    embedding_function: Optional[EmbeddingFunction]


class UpdateHNSWConfiguration(TypedDict, total=False):
    ef_search: int
    num_threads: int
    batch_size: int
    sync_threshold: int
    resize_factor: float


class UpdateSpannConfiguration(TypedDict, total=False):
    search_nprobe: int
    ef_search: int


class UpdateCollectionConfiguration(TypedDict, total=False):
    hnsw: Optional[UpdateHNSWConfiguration]
    spann: Optional[UpdateSpannConfiguration]
    embedding_function: Optional[EmbeddingFunction]


def _ef_to_json(ef: Any) -> Dict[str, Any]:
    if ef is None:
        return {"type": "legacy"}
    is_legacy = getattr(ef, "is_legacy", None)
    name = getattr(ef, "name", None)
    if (callable(is_legacy) and is_legacy()) or not callable(name) or not isinstance(name(), str):
        return {"type": "legacy"}
    config = ef.get_config() if callable(getattr(ef, "get_config", None)) else {}
    return {"name": name(), "type": "known", "config": config if isinstance(config, dict) else {}}


def _ef_from_json(ef_json: Any) -> Optional[EmbeddingFunction]:
    if not ef_json or ef_json.get("type") != "known":
        return None
    from ochredb.utils.embedding_functions import known_embedding_functions

    name = ef_json.get("name")
    cls = known_embedding_functions.get(name)
    if cls is None:
        raise ValueError(f"Embedding function {name} not found. Add @register_embedding_function decorator to the class definition.")
    return cast(EmbeddingFunction, cls.build_from_config(ef_json.get("config") or {}))


def _index_configs(config: Any) -> "tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]":
    hnsw = config.get("hnsw") if config else None
    spann = config.get("spann") if config else None
    if hnsw is not None and spann is not None:
        raise ValueError("hnsw and spann cannot both be provided")
    for key, value in (("hnsw", hnsw), ("spann", spann)):
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"Expected {key} to be a dict, got {value!r}")
    return (dict(hnsw) if hnsw is not None else None, dict(spann) if spann is not None else None)


def collection_configuration_to_json(config: CollectionConfiguration) -> Dict[str, Any]:
    hnsw, spann = _index_configs(config)
    return {"hnsw": hnsw, "spann": spann, "embedding_function": _ef_to_json(config.get("embedding_function"))}


def load_collection_configuration_from_json(config_json_map: Dict[str, Any]) -> CollectionConfiguration:
    hnsw, spann = _index_configs(config_json_map)
    return CollectionConfiguration(
        hnsw=cast(Optional[HNSWConfiguration], hnsw),
        spann=cast(Optional[SpannConfiguration], spann),
        embedding_function=_ef_from_json(config_json_map.get("embedding_function")),
    )


def create_collection_configuration_to_json(
    config: CreateCollectionConfiguration, metadata: Optional[CollectionMetadata] = None
) -> Dict[str, Any]:
    hnsw, spann = _index_configs(config)
    if hnsw is None and spann is None and metadata:
        # chromadb reads the legacy hnsw:* metadata keys when no index configuration is given.
        legacy = {k[len("hnsw:"):]: v for k, v in metadata.items() if k.startswith("hnsw:")}
        if "M" in legacy:
            legacy["max_neighbors"] = legacy.pop("M")
        if "construction_ef" in legacy:
            legacy["ef_construction"] = legacy.pop("construction_ef")
        if "search_ef" in legacy:
            legacy["ef_search"] = legacy.pop("search_ef")
        hnsw = legacy or None
    return {"hnsw": hnsw, "spann": spann, "embedding_function": _ef_to_json(config.get("embedding_function"))}


def load_create_collection_configuration_from_json(json_map: Dict[str, Any]) -> CreateCollectionConfiguration:
    hnsw, spann = _index_configs(json_map)
    out = CreateCollectionConfiguration()
    if hnsw is not None:
        out["hnsw"] = cast(CreateHNSWConfiguration, hnsw)
    if spann is not None:
        out["spann"] = cast(CreateSpannConfiguration, spann)
    ef = _ef_from_json(json_map.get("embedding_function"))
    if ef is not None:
        out["embedding_function"] = ef
    return out


def update_collection_configuration_to_json(config: UpdateCollectionConfiguration) -> Dict[str, Any]:
    hnsw, spann = _index_configs(config)
    out: Dict[str, Any] = {}
    if hnsw is not None:
        out["hnsw"] = hnsw
    if spann is not None:
        out["spann"] = spann
    if config.get("embedding_function") is not None:
        out["embedding_function"] = _ef_to_json(config["embedding_function"])
    return out


def load_update_collection_configuration_from_json(json_map: Dict[str, Any]) -> UpdateCollectionConfiguration:
    hnsw, spann = _index_configs(json_map)
    out = UpdateCollectionConfiguration()
    if hnsw is not None:
        out["hnsw"] = cast(UpdateHNSWConfiguration, hnsw)
    if spann is not None:
        out["spann"] = cast(UpdateSpannConfiguration, spann)
    ef = _ef_from_json(json_map.get("embedding_function"))
    if ef is not None:
        out["embedding_function"] = ef
    return out


__all__ = [
    "CollectionConfiguration",
    "CreateCollectionConfiguration",
    "CreateHNSWConfiguration",
    "CreateSpannConfiguration",
    "HNSWConfiguration",
    "SpannConfiguration",
    "UpdateCollectionConfiguration",
    "UpdateHNSWConfiguration",
    "UpdateSpannConfiguration",
    "collection_configuration_to_json",
    "create_collection_configuration_to_json",
    "load_collection_configuration_from_json",
    "load_create_collection_configuration_from_json",
    "load_update_collection_configuration_from_json",
    "update_collection_configuration_to_json",
]
