"""chromadb's public types and its client-side validation (``chromadb.api.types``).

The validators raise what chromadb raises, with its messages (ValueError, TypeError,
DuplicateIDError), before anything reaches the engine; the engine validates again (it must, for
callers of the C++ API) and its errors come back as ``ochredb.errors`` classes.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Literal, Optional, Sequence, TypedDict, TypeVar, Union

import numpy as np

from ochredb import errors
from ochredb.base_types import SparseVector  # chromadb.api.types re-exports it

ID = str
IDs = List[ID]
Document = str
Documents = List[Document]
URI = str
URIs = List[URI]
Image = np.ndarray
Images = List[Image]
PyEmbedding = Sequence[float]
PyEmbeddings = List[PyEmbedding]
Embedding = np.ndarray
Embeddings = List[Embedding]
Metadata = Dict[str, Any]
Metadatas = List[Metadata]
UpdateMetadata = Dict[str, Any]
CollectionMetadata = Dict[str, Any]
Where = Dict[str, Any]
WhereDocument = Dict[str, Any]
Space = Literal["cosine", "l2", "ip"]
IncludeItem = Literal["documents", "embeddings", "metadatas", "distances", "uris", "data"]
Include = List[IncludeItem]
T = TypeVar("T")
OneOrMany = Union[T, List[T]]

IncludeMetadataDocuments: Include = ["metadatas", "documents"]
IncludeMetadataDocumentsEmbeddings: Include = ["metadatas", "documents", "embeddings"]
IncludeMetadataDocumentsDistances: Include = ["metadatas", "documents", "distances"]
VALID_INCLUDE = ("documents", "embeddings", "metadatas", "distances", "uris", "data")
META_KEY_CHROMA_DOCUMENT = "chroma:document"

_EMBEDDING_DTYPES = (np.float16, np.float32, np.float64, np.int32, np.int64)


class GetResult(TypedDict):
    ids: List[ID]
    embeddings: Optional[Any]
    documents: Optional[List[Optional[Document]]]
    uris: Optional[List[Optional[URI]]]
    included: Include
    data: Optional[Any]
    metadatas: Optional[List[Optional[Metadata]]]


class QueryResult(TypedDict):
    ids: List[IDs]
    embeddings: Optional[List[Any]]
    documents: Optional[List[List[Optional[Document]]]]
    uris: Optional[List[List[Optional[URI]]]]
    included: Include
    data: Optional[Any]
    metadatas: Optional[List[List[Optional[Metadata]]]]
    distances: Optional[List[List[float]]]


@dataclass
class IndexingStatus:
    """How far the collection's HNSW graph has got (chromadb's ``IndexingStatus``): ops are vector
    rows written; queries see every record whatever it says (rows not in the graph yet are scanned
    exactly)."""

    num_indexed_ops: int
    num_unindexed_ops: int
    total_ops: int
    op_indexing_progress: float


class ReadLevel(str, Enum):
    """chromadb's read levels for ``collection.search``. Every committed write is visible here
    whichever is chosen: the engine has no separate write-ahead log to skip."""

    INDEX_AND_WAL = "index_and_wal"
    INDEX_ONLY = "index_only"
    INDEX_AND_BOUNDED_WAL = "index_and_bounded_wal"


class SearchResultRow(TypedDict, total=False):
    """One record of a search result: ``id`` always, the other fields when selected and present."""

    id: str
    document: Optional[str]
    embedding: Optional[List[float]]
    metadata: Optional[Dict[str, Any]]
    score: Optional[float]


class SearchResult(dict):  # type: ignore[type-arg]
    """chromadb's search response: per search (in request order) ``ids``, and ``documents``,
    ``embeddings``, ``metadatas``, ``scores`` (each None for a search that did not select it), and
    ``select`` (the keys it selected). ``rows()`` turns it into one list of records per search."""

    def rows(self) -> List[List[SearchResultRow]]:
        ids = self.get("ids", [])
        columns = {
            name: self.get(plural) or [None] * len(ids)
            for name, plural in (
                ("document", "documents"),
                ("embedding", "embeddings"),
                ("metadata", "metadatas"),
                ("score", "scores"),
            )
        }
        out: List[List[SearchResultRow]] = []
        for s, search_ids in enumerate(ids):
            rows: List[SearchResultRow] = []
            for r, record_id in enumerate(search_ids):
                row: SearchResultRow = {"id": record_id}
                for name, column in columns.items():
                    values = column[s]
                    if values is not None and values[r] is not None:
                        row[name] = values[r]  # type: ignore[literal-required]
                rows.append(row)
            out.append(rows)
        return out


class DeleteResult(TypedDict):
    deleted: int


class EmbeddingFunction:
    """chromadb's embedding-function protocol. Subclassing is optional: any callable taking
    ``input`` (a list of texts) and returning one vector per text works."""

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 (chromadb's parameter name)
        raise NotImplementedError

    def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
        return self.__call__(input)

    @staticmethod
    def name() -> str:
        return NotImplemented  # type: ignore[return-value]

    def default_space(self) -> Space:
        return "l2"

    def supported_spaces(self) -> List[Space]:
        return ["cosine", "l2", "ip"]

    def get_config(self) -> Dict[str, Any]:
        return NotImplemented  # type: ignore[return-value]

    def is_legacy(self) -> bool:
        return self.name() is NotImplemented


def maybe_cast_one_to_many(target: Any) -> Optional[list]:
    if target is None:
        return None
    if isinstance(target, list):
        return target
    return [target]


def normalize_embeddings(target: Any) -> Any:
    """One embedding or many, as lists or numpy arrays -> a 2-D numpy array or a list of rows.

    Unlike chromadb, rows are not turned into one numpy array each: the native layer converts the
    whole batch at once (a C-contiguous float32 2-D array is used as it is)."""
    if target is None:
        return None
    if len(target) == 0:
        raise ValueError(f"Expected Embeddings to be non-empty list or numpy array, got {target}")
    if isinstance(target, np.ndarray):
        if target.ndim == 1:
            return target.reshape(1, -1)
        if target.ndim == 2:
            return target
    elif isinstance(target, list):
        first = target[0]
        if isinstance(first, (int, float, np.number)) and not isinstance(first, bool):
            return [target]
        if isinstance(first, np.ndarray):
            return target
        # As chromadb, the first number of the first row decides: strings or nested lists are refused
        # here rather than converted by numpy.
        if isinstance(first, list) and first:
            head = first[0]
            if isinstance(head, (int, float, np.number)) and not isinstance(head, (bool, np.bool_)):
                return target
    raise ValueError(
        "Expected embeddings to be a list of floats or ints, a list of lists, a numpy array, or a list of "
        f"numpy arrays, got {target}"
    )


def validate_embeddings(embeddings: Any) -> Any:
    """Checks the normalized embeddings (chromadb's messages); returns them unchanged."""
    if isinstance(embeddings, np.ndarray):
        if embeddings.dtype not in _EMBEDDING_DTYPES:
            raise ValueError(
                "Expected each value in the embedding to be a int or float, got an embedding with "
                f"{embeddings.dtype} - {embeddings[0]}"
            )
        if embeddings.shape[1] == 0:
            raise ValueError(
                "Expected each embedding in the embeddings to be a 1-dimensional numpy array with at least 1 "
                "int/float value. Got a 1-dimensional numpy array with no values at pos 0"
            )
        return embeddings
    dims = set()
    for i, e in enumerate(embeddings):
        if isinstance(e, np.ndarray):
            if e.ndim == 0:
                raise ValueError(f"Expected a 1-dimensional array, got a 0-dimensional array {e}")
            if e.dtype not in _EMBEDDING_DTYPES:
                raise ValueError(
                    f"Expected each value in the embedding to be a int or float, got an embedding with {e.dtype} - {e}"
                )
        elif not isinstance(e, (list, tuple)):
            raise ValueError(
                "Expected each embedding in the embeddings to be a numpy array, got " f"{[type(e).__name__]}"
            )
        if len(e) == 0:
            raise ValueError(
                "Expected each embedding in the embeddings to be a 1-dimensional numpy array with at least 1 "
                f"int/float value. Got a 1-dimensional numpy array with no values at pos {i}"
            )
        dims.add(len(e))
    if len(dims) > 1:
        # What chromadb's engine answers (InvalidArgumentError) for rows of different lengths.
        raise errors.InvalidArgumentError("Inconsistent dimensions in provided embeddings")
    return embeddings


def validate_ids(ids: Any) -> IDs:
    if not isinstance(ids, list):
        raise ValueError(f"Expected IDs to be a list, got {type(ids).__name__} as IDs")
    if len(ids) == 0:
        raise ValueError(f"Expected IDs to be a non-empty list, got {len(ids)} IDs")
    seen = set()
    dups = []
    for id_ in ids:
        if not isinstance(id_, str):
            raise ValueError(f"Expected ID to be a str, got {id_}")
        if id_ in seen:
            if id_ not in dups:
                dups.append(id_)
        else:
            seen.add(id_)
    if dups:
        if len(dups) < 10:
            message = f"Expected IDs to be unique, found duplicates of: {', '.join(dups)}"
        else:
            examples = dups[:11]
            message = (
                f"Expected IDs to be unique, found {len(dups)} duplicated IDs: "
                f"{', '.join(examples[:5])}, ..., {', '.join(examples[-5:])}"
            )
        raise errors.DuplicateIDError(message)
    return ids


def _validate_metadata_list_value(key: str, value: list) -> None:
    if len(value) == 0:
        raise ValueError(f"Expected metadata list value for key '{key}' to be non-empty")
    first_type = bool if isinstance(value[0], bool) else type(value[0])
    for item in value:
        item_type = bool if isinstance(item, bool) else type(item)
        if item_type is not first_type or item_type not in (str, int, float, bool):
            raise ValueError(
                f"Expected metadata list value for key '{key}' to contain only str, int, float, or bool "
                f"and all elements must be the same type, got {value}"
            )


def validate_metadata(metadata: Any) -> Any:
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise ValueError(f"Expected metadata to be a dict or None, got {type(metadata).__name__} as metadata")
    if len(metadata) == 0:
        raise ValueError(f"Expected metadata to be a non-empty dict, got {len(metadata)} metadata attributes")
    for key, value in metadata.items():
        if key == META_KEY_CHROMA_DOCUMENT:
            raise ValueError(f"Expected metadata to not contain the reserved key {META_KEY_CHROMA_DOCUMENT}")
        if not isinstance(key, str):
            raise TypeError(f"Expected metadata key to be a str, got {key} which is a {type(key).__name__}")
        if isinstance(value, list):
            _validate_metadata_list_value(key, value)
        elif not isinstance(value, (str, int, float, bool, type(None), SparseVector)):
            raise ValueError(
                "Expected metadata value to be a str, int, float, bool, SparseVector, list, or None, got "
                f"{value} which is a {type(value).__name__}"
            )
    return metadata


def validate_metadatas(metadatas: Any) -> Any:
    if not isinstance(metadatas, list):
        raise ValueError(f"Expected metadatas to be a list, got {metadatas}")
    for m in metadatas:
        validate_metadata(m)
    return metadatas


def validate_where(where: Any) -> None:
    if not isinstance(where, dict):
        raise ValueError(f"Expected where to be a dict, got {where}")
    if len(where) != 1:
        raise ValueError(f"Expected where to have exactly one operator, got {where}")
    for key, value in where.items():
        if not isinstance(key, str):
            raise ValueError(f"Expected where key to be a str, got {key}")
        if key in ("$contains", "$not_contains"):
            raise ValueError(
                f"Expected where key to be a metadata field name or a logical operator ($and, $or), got {key}"
            )
        if key not in ("$and", "$or", "$in", "$nin") and not isinstance(value, (str, int, float, dict)):
            raise ValueError(f"Expected where value to be a str, int, float, or operator expression, got {value}")
        if key in ("$and", "$or"):
            if not isinstance(value, list):
                raise ValueError(
                    f"Expected where value for $and or $or to be a list of where expressions, got {value}"
                )
            if len(value) <= 1:
                raise ValueError(
                    "Expected where value for $and or $or to be a list with at least two where expressions, "
                    f"got {value}"
                )
            for sub in value:
                validate_where(sub)
        if isinstance(value, dict):
            _validate_operator_expression(key, value)


_WHERE_OPERATORS = ("$gt", "$gte", "$lt", "$lte", "$ne", "$eq", "$in", "$nin", "$contains", "$not_contains")


def _validate_operator_expression(key: str, value: dict) -> None:
    if len(value) != 1:
        raise ValueError(f"Expected operator expression to have exactly one operator, got {value}")
    for operator, operand in value.items():
        if operator in ("$gt", "$gte", "$lt", "$lte") and not isinstance(operand, (int, float)):
            raise ValueError(
                f"Expected operand value to be an int or a float for operator {operator}, got {operand}"
            )
        if operator in ("$in", "$nin") and not isinstance(operand, list):
            raise ValueError(f"Expected operand value to be an list for operator {operator}, got {operand}")
        if operator in ("$contains", "$not_contains"):
            if key == "#document" and not isinstance(operand, str):
                raise ValueError(
                    f"Expected operand value to be a str for operator {operator} on #document, got {operand}"
                )
            if not isinstance(operand, (str, int, float, bool)):
                raise ValueError(
                    f"Expected operand value to be a str, int, float, or bool for operator {operator}, "
                    f"got {operand}"
                )
        if operator not in _WHERE_OPERATORS and not (key == "#document" and operator in ("$regex", "$not_regex")):
            raise ValueError(
                "Expected where operator to be one of $gt, $gte, $lt, $lte, $ne, $eq, $in, $nin, "
                f"$contains, $not_contains, got {operator}"
            )
        if not isinstance(operand, (str, int, float, bool, list)):
            raise ValueError(
                f"Expected where operand value to be a str, int, float, bool, or list of those type, got {operand}"
            )
        if isinstance(operand, list) and (
            len(operand) == 0 or not all(isinstance(x, type(operand[0])) for x in operand)
        ):
            raise ValueError(
                "Expected where operand value to be a non-empty list, and all values to be of the same type "
                f"got {operand}"
            )


def validate_where_document(where_document: Any) -> None:
    if not isinstance(where_document, dict):
        raise ValueError(f"Expected where document to be a dictionary, got {where_document}")
    if len(where_document) != 1:
        raise ValueError(f"Expected where document to have exactly one operator, got {where_document}")
    for operator, operand in where_document.items():
        if operator not in ("$contains", "$not_contains", "$regex", "$not_regex", "$and", "$or"):
            raise ValueError(
                "Expected where document operator to be one of $contains, $not_contains, $regex, $not_regex, "
                f"$and, $or, got {operator}"
            )
        if operator in ("$and", "$or"):
            if not isinstance(operand, list):
                raise ValueError(
                    "Expected document value for $and or $or to be a list of where document expressions, "
                    f"got {operand}"
                )
            if len(operand) <= 1:
                raise ValueError(
                    "Expected document value for $and or $or to be a list with at least two where document "
                    f"expressions, got {operand}"
                )
            for sub in operand:
                validate_where_document(sub)
        elif not isinstance(operand, str):
            raise ValueError(
                f"Expected where document operand value for operator {operator} to be a str, got {operand}"
            )
        elif len(operand) == 0:
            raise ValueError(
                f"Expected where document operand value for operator {operator} to be a non-empty str"
            )


def validate_include(include: Any, disallowed: Optional[List[str]] = None) -> None:
    if not isinstance(include, list):
        raise ValueError(f"Expected include to be a list, got {include}")
    for item in include:
        if not isinstance(item, str):
            raise ValueError(f"Expected include item to be a str, got {item}")
        if item not in VALID_INCLUDE:
            raise ValueError(f"Expected include item to be one of {', '.join(VALID_INCLUDE)}, got {item}")
        if disallowed is not None and item in disallowed:
            raise ValueError(f"Include item cannot be one of {', '.join(disallowed)}, got {item}")


def validate_n_results(n_results: Any) -> int:
    if not isinstance(n_results, int):
        raise ValueError(f"Expected requested number of results to be a int, got {n_results}")
    if n_results <= 0:
        raise TypeError(f"Number of requested results {n_results}, cannot be negative, or zero.")
    return n_results


def validate_documents(documents: Any, nullable: bool = False) -> None:
    if not isinstance(documents, list):
        raise ValueError(f"Expected documents to be a list, got {type(documents).__name__}")
    if len(documents) == 0:
        raise ValueError(f"Expected documents to be a non-empty list, got {len(documents)} documents")
    for document in documents:
        if document is None and nullable:
            continue
        if not isinstance(document, str):
            raise ValueError(f"Expected document to be a str, got {document}")


def validate_record_set_lengths(record_set: Dict[str, Any]) -> None:
    """Every given field non-empty and of the same length (chromadb's order of fields in messages)."""
    present = {k: v for k, v in record_set.items() if v is not None}
    if not present:
        raise ValueError(f"At least one of one of {', '.join(record_set.keys())} must be provided")
    zero = [k for k, v in present.items() if len(v) == 0]
    if zero:
        raise ValueError(f"Non-empty lists are required for {zero}")
    if len({len(v) for v in present.values()}) > 1:
        detail = ", ".join(f"{k}: {len(v)}" for k, v in present.items())
        raise ValueError(f"Unequal lengths for fields: {detail}")


# chromadb.api.types also holds the Schema and its index configurations.
from ochredb.api.schema import (  # noqa: E402,F401
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
