"""chromadb's module paths and names: typical chromadb user code, with ``import ochredb as chromadb``,
runs unchanged; the configuration JSON helpers round-trip an embedding function by its name."""

import pytest

import ochredb as chromadb
from ochredb import errors
from ochredb.api import AdminAPI, ClientAPI
from ochredb.api.collection_configuration import (
    CollectionConfiguration,
    CreateCollectionConfiguration,
    CreateHNSWConfiguration,
    CreateSpannConfiguration,
    UpdateCollectionConfiguration,
    UpdateHNSWConfiguration,
    collection_configuration_to_json,
    create_collection_configuration_to_json,
    load_collection_configuration_from_json,
    load_create_collection_configuration_from_json,
    update_collection_configuration_to_json,
)
from ochredb.api.models.Collection import Collection
from ochredb.api.types import (
    CollectionMetadata,
    Documents,
    EmbeddingFunction,
    Embeddings,
    GetResult,
    IDs,
    Include,
    Metadata,
    QueryResult,
    SparseVector,
    Where,
    WhereDocument,
)
from ochredb.base_types import SparseVector as BaseSparseVector
from ochredb.config import Settings
from ochredb.utils import embedding_functions
from ochredb.utils.embedding_functions import HashingEmbeddingFunction, OllamaEmbeddingFunction
from ochredb.utils.embedding_functions.huggingface_embedding_function import HuggingFaceEmbeddingServer
from ochredb.utils.embedding_functions.ollama_embedding_function import OllamaEmbeddingFunction as Ollama2
from ochredb.utils.embedding_functions.openai_embedding_function import OpenAIEmbeddingFunction


def test_typical_chromadb_user_code_runs(tmp_path):
    client: ClientAPI = chromadb.PersistentClient(path=str(tmp_path / "db"), settings=Settings(anonymized_telemetry=False))
    metadata: CollectionMetadata = {"topic": "animals"}
    config: CreateCollectionConfiguration = {"hnsw": CreateHNSWConfiguration(space="cosine", ef_construction=100)}
    col: Collection = client.create_collection(
        "animals", configuration=config, metadata=metadata, embedding_function=HashingEmbeddingFunction()
    )
    ids: IDs = ["a", "b"]
    docs: Documents = ["the cat sat", "a dog ran"]
    metas: list = [{"kind": "cat"}, {"kind": "dog"}]
    assert Metadata is not None
    col.add(ids=ids, documents=docs, metadatas=metas)
    where: Where = {"kind": "cat"}
    wd: WhereDocument = {"$contains": "cat"}
    include: Include = ["documents", "metadatas", "distances"]
    q: QueryResult = col.query(query_texts=["cat"], n_results=2, where=where, where_document=wd, include=include)
    assert q["ids"] == [["a"]]
    g: GetResult = col.get(include=["metadatas"])
    assert sorted(g["ids"]) == ["a", "b"]
    assert col.configuration_json["hnsw"]["space"] == "cosine"
    update: UpdateCollectionConfiguration = {"hnsw": UpdateHNSWConfiguration(ef_search=50)}
    col.modify(configuration=update)
    assert client.get_collection("animals").configuration_json["hnsw"]["ef_search"] == 50
    assert isinstance(chromadb.AdminClient(Settings(is_persistent=True, persist_directory=str(tmp_path / "db"))), AdminAPI)
    with pytest.raises(errors.NotFoundError):
        client.get_collection("missing")
    client.close()


def test_names_exist_where_chromadb_has_them():
    for name in (
        "CollectionMetadata",
        "CreateCollectionConfiguration",
        "CreateHNSWConfiguration",
        "CreateSpannConfiguration",
        "UpdateCollectionConfiguration",
        "UpdateHNSWConfiguration",
        "SparseVector",
        "GetResult",
        "QueryResult",
        "Include",
        "IDs",
        "Embeddings",
        "Documents",
        "Metadata",
        "Where",
        "WhereDocument",
        "EmbeddingFunction",
        "ClientAPI",
        "AdminAPI",
        "AdminClient",
    ):
        assert hasattr(chromadb, name), name
    assert SparseVector is BaseSparseVector is chromadb.SparseVector
    assert OllamaEmbeddingFunction is Ollama2 is embedding_functions.OllamaEmbeddingFunction
    assert issubclass(OpenAIEmbeddingFunction, EmbeddingFunction) and HuggingFaceEmbeddingServer.name() == "huggingface_server"
    assert Embeddings is not None and CreateSpannConfiguration is not None


def test_sparse_vector_checks_like_chromadb():
    v = SparseVector(indices=[1, 5, 9], values=[0.5, 1.0, 2.0])
    assert v.to_dict() == {"#type": "sparse_vector", "indices": [1, 5, 9], "values": [0.5, 1.0, 2.0]}
    assert SparseVector.from_dict(v.to_dict()) == v
    with pytest.raises(ValueError, match="same length"):
        SparseVector(indices=[1, 2], values=[1.0])
    with pytest.raises(ValueError, match="ascending"):
        SparseVector(indices=[3, 3], values=[1.0, 2.0])
    with pytest.raises(ValueError, match="non-negative"):
        SparseVector(indices=[-1], values=[1.0])


def test_configuration_json_helpers_round_trip_a_known_function():
    f = OllamaEmbeddingFunction(url="http://127.0.0.1:9", model_name="nomic-embed-text", timeout=3)
    stored = create_collection_configuration_to_json({"hnsw": {"space": "cosine"}, "embedding_function": f})
    assert stored == {
        "hnsw": {"space": "cosine"},
        "spann": None,
        "embedding_function": {
            "name": "ollama",
            "type": "known",
            "config": {"url": "http://127.0.0.1:9", "model_name": "nomic-embed-text", "timeout": 3},
        },
    }
    loaded: CollectionConfiguration = load_collection_configuration_from_json(stored)
    assert isinstance(loaded["embedding_function"], OllamaEmbeddingFunction)
    assert loaded["embedding_function"].get_config() == f.get_config()
    assert collection_configuration_to_json(loaded) == stored
    assert load_create_collection_configuration_from_json(stored)["hnsw"] == {"space": "cosine"}
    assert create_collection_configuration_to_json({}, {"hnsw:space": "ip", "hnsw:M": 8})["hnsw"] == {
        "space": "ip",
        "max_neighbors": 8,
    }
    assert create_collection_configuration_to_json({"embedding_function": None})["embedding_function"] == {"type": "legacy"}
    assert update_collection_configuration_to_json({"hnsw": {"ef_search": 7}}) == {"hnsw": {"ef_search": 7}}
    with pytest.raises(ValueError, match="both"):
        create_collection_configuration_to_json({"hnsw": {}, "spann": {}})
    with pytest.raises(ValueError, match="not found"):
        load_collection_configuration_from_json({"embedding_function": {"type": "known", "name": "nope", "config": {}}})


class _SchemaLike:
    """Stands for chromadb's Schema object: create_collection uses its serialize_to_json()."""

    def __init__(self, space):
        self.space = space

    def serialize_to_json(self):
        return {
            "defaults": {},
            "keys": {"#embedding": {"float_list": {"vector_index": {"enabled": True, "config": {"space": self.space}}}}},
        }


def test_schema_json_is_stored_returned_and_checked(tmp_path):
    path = str(tmp_path / "db")
    client = chromadb.PersistentClient(path=path)
    raw = {
        "defaults": {},
        "keys": {"#embedding": {"float_list": {"vector_index": {"enabled": True, "config": {"space": "ip", "hnsw": {"ef_search": 50}}}}}},
    }
    col = client.create_collection("with_schema", schema=raw, embedding_function=HashingEmbeddingFunction(16))
    assert col.configuration_json["hnsw"]["space"] == "ip" and col.configuration_json["hnsw"]["ef_search"] == 50
    vc = col.schema["keys"]["#embedding"]["float_list"]["vector_index"]["config"]
    assert vc["space"] == "ip" and vc["embedding_function"] == {"type": "known", "name": "ochre_hashing", "config": {"dim": 16}}
    col.add(ids=["x"], documents=["hi"], metadatas=[{"color": "red"}])
    other = client.create_collection("schema_obj", schema=_SchemaLike("l2"), embedding_function=None)
    assert other.schema["keys"]["#embedding"]["float_list"]["vector_index"]["config"]["space"] == "l2"
    # A provider's descriptor is what the schema carries, under chromadb's name and config.
    ollama = OllamaEmbeddingFunction(url="http://127.0.0.1:9", model_name="m", timeout=1)
    oc = client.create_collection("ollama_schema", embedding_function=ollama)
    assert oc.schema["keys"]["#embedding"]["float_list"]["vector_index"]["config"]["embedding_function"] == {
        "type": "known",
        "name": "ollama",
        "config": ollama.get_config(),
    }
    with pytest.raises(errors.InvalidArgumentError, match="defaults"):
        client.create_collection("bad_schema", schema={"keys": {}}, embedding_function=None)
    with pytest.raises(TypeError, match="schema"):
        client.create_collection("bad_schema", schema="not a schema", embedding_function=None)
    assert client.count_collections() == 3
    client.close()
    client = chromadb.PersistentClient(path=path)
    again = client.get_collection("with_schema")
    assert "color" in again.schema["keys"]
    assert again.schema["keys"]["#embedding"]["float_list"]["vector_index"]["config"]["space"] == "ip"
    client.close()
