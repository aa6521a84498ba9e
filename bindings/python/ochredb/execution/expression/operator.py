"""The Search API's expressions, with chromadb's names, operators and JSON shapes.

Every class serialises with ``to_dict()`` to the JSON that chromadb's clients send (and that the
engine's search parser reads), and the ``from_dict`` functions accept that JSON back with chromadb's
checks and messages (chromadb/execution/expression/operator.py is the reference for both).

- ``Where``: filters. ``Key("field") == 1``, ``K.DOCUMENT.contains("x")``, ``K.ID.is_in([...])``,
  combined with ``&`` and ``|``.
- ``Rank``: scores, lower is better. ``Knn`` (the distance to a query, or its rank), ``Val``
  (a constant), arithmetic (``+ - * /``, ``abs``, ``exp``, ``log``, ``max``, ``min``) and ``Rrf``
  (reciprocal rank fusion, expanded here into that arithmetic as chromadb does).
- ``Limit``, ``Select``, ``GroupBy`` with ``MinK`` / ``MaxK``.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set, Union

import numpy as np

from ochredb.api import types as t
from ochredb.base_types import SPARSE_VECTOR_TYPE_VALUE, TYPE_KEY, SparseVector


def _type_name(value: Any) -> str:
    return type(value).__name__


def _require(ok: bool, error: type, message: str) -> None:
    if not ok:
        raise error(message)


# --- Where ------------------------------------------------------------------------------------------
class Where:
    """A filter. ``a & b`` is And, ``a | b`` is Or; nested Ands and Ors are flattened."""

    def to_dict(self) -> Dict[str, Any]:
        raise NotImplementedError("Subclasses must implement to_dict()")

    def __and__(self, other: "Where") -> "And":
        return And(_flatten(And, self) + _flatten(And, other))

    def __or__(self, other: "Where") -> "Or":
        return Or(_flatten(Or, self) + _flatten(Or, other))

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Where":
        """A filter from its JSON: ``{"field": value}`` (equality), ``{"field": {"$op": value}}``,
        ``{"$and": [...]}`` and ``{"$or": [...]}``."""
        _require(isinstance(data, dict), TypeError, f"Expected dict for Where, got {_type_name(data)}")
        _require(bool(data), ValueError, "Where dict cannot be empty")
        for logical, cls in (("$and", And), ("$or", Or)):
            if logical not in data:
                continue
            items = data[logical]
            _require(isinstance(items, list), TypeError, f"{logical} must be a list, got {_type_name(items)}")
            _require(len(items) > 0, ValueError, f"{logical} requires at least one condition")
            _require(
                len(data) == 1, ValueError, f"{logical} cannot be combined with other fields in the same dict"
            )
            conditions = [Where.from_dict(c) for c in items]
            if len(conditions) == 1:
                return conditions[0]
            combined = conditions[0]
            for c in conditions[1:]:
                combined = (combined & c) if cls is And else (combined | c)
            return combined
        _require(len(data) == 1, ValueError, f"Where dict must contain exactly one field, got {len(data)}")
        name, condition = next(iter(data.items()))
        _require(isinstance(name, str), TypeError, f"Field name must be a string, got {_type_name(name)}")
        if not isinstance(condition, dict):
            return Eq(name, condition)
        _require(bool(condition), ValueError, f"Operator dict for field '{name}' cannot be empty")
        _require(
            len(condition) == 1, ValueError, f"Operator dict for field '{name}' must contain exactly one operator"
        )
        op, value = next(iter(condition.items()))
        if op not in _WHERE_OPERATORS:
            raise ValueError(f"Unknown operator: {op}")
        check = _WHERE_VALUE_CHECKS.get(op)
        if check is not None:
            check(op, value)
        return _WHERE_OPERATORS[op](name, value)


def _flatten(cls: type, where: Where) -> List[Where]:
    return list(where.conditions) if isinstance(where, cls) else [where]  # type: ignore[attr-defined]


@dataclass
class And(Where):
    conditions: List[Where]

    def to_dict(self) -> Dict[str, Any]:
        return {"$and": [c.to_dict() for c in self.conditions]}


@dataclass
class Or(Where):
    conditions: List[Where]

    def to_dict(self) -> Dict[str, Any]:
        return {"$or": [c.to_dict() for c in self.conditions]}


def _comparison(op: str, value_field: str, doc: str) -> type:
    """A dataclass ``(key, <value_field>)`` serialising to ``{key: {op: value}}``."""

    def to_dict(self: Any) -> Dict[str, Any]:
        return {self.key: {op: getattr(self, value_field)}}

    cls = type(op, (Where,), {"__doc__": doc, "__annotations__": {"key": str, value_field: Any}, "to_dict": to_dict})
    return dataclass(cls)


Eq = _comparison("$eq", "value", "key == value")
Ne = _comparison("$ne", "value", "key != value")
Gt = _comparison("$gt", "value", "key > value")
Gte = _comparison("$gte", "value", "key >= value")
Lt = _comparison("$lt", "value", "key < value")
Lte = _comparison("$lte", "value", "key <= value")
In = _comparison("$in", "values", "key is one of values")
Nin = _comparison("$nin", "values", "key is none of values")
Contains = _comparison("$contains", "value", "the document has the substring, or the array metadata the value")
NotContains = _comparison("$not_contains", "value", "the negation of Contains")
Regex = _comparison("$regex", "pattern", "the document or string metadata matches the pattern")
NotRegex = _comparison("$not_regex", "pattern", "the negation of Regex")
for _cls, _name in ((Eq, "Eq"), (Ne, "Ne"), (Gt, "Gt"), (Gte, "Gte"), (Lt, "Lt"), (Lte, "Lte"), (In, "In"),
                    (Nin, "Nin"), (Contains, "Contains"), (NotContains, "NotContains"), (Regex, "Regex"),
                    (NotRegex, "NotRegex")):  # fmt: skip
    _cls.__name__ = _cls.__qualname__ = _name
    _cls.__module__ = __name__

_WHERE_OPERATORS: Dict[str, Callable[[str, Any], Where]] = {
    "$eq": Eq, "$ne": Ne, "$gt": Gt, "$gte": Gte, "$lt": Lt, "$lte": Lte, "$in": In, "$nin": Nin,
    "$contains": Contains, "$not_contains": NotContains, "$regex": Regex, "$not_regex": NotRegex,
}  # fmt: skip


def _check_list(op: str, value: Any) -> None:
    _require(isinstance(value, list), TypeError, f"{op} requires a list, got {_type_name(value)}")


def _check_literal(op: str, value: Any) -> None:
    _require(
        isinstance(value, (str, int, float, bool)),
        TypeError,
        f"{op} requires a str, int, float, or bool, got {_type_name(value)}",
    )


def _check_pattern(op: str, value: Any) -> None:
    _require(isinstance(value, str), TypeError, f"{op} requires a string pattern, got {_type_name(value)}")


_WHERE_VALUE_CHECKS: Dict[str, Callable[[str, Any], None]] = {
    "$in": _check_list, "$nin": _check_list, "$contains": _check_literal, "$not_contains": _check_literal,
    "$regex": _check_pattern, "$not_regex": _check_pattern,
}  # fmt: skip


class Key:
    """A field: a metadata key by name, or one of the special fields ``Key.ID`` ("#id"),
    ``Key.DOCUMENT``, ``Key.EMBEDDING``, ``Key.METADATA``, ``Key.SCORE``. Comparison operators build
    filters (``Key("year") >= 2020``); ``K`` is the same class."""

    ID: "Key"
    DOCUMENT: "Key"
    EMBEDDING: "Key"
    METADATA: "Key"
    SCORE: "Key"

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"Key({self.name!r})"

    def __eq__(self, value: Any) -> Eq:  # type: ignore[override]
        return Eq(self.name, value)

    def __ne__(self, value: Any) -> Ne:  # type: ignore[override]
        return Ne(self.name, value)

    def __gt__(self, value: Any) -> Gt:
        return Gt(self.name, value)

    def __ge__(self, value: Any) -> Gte:
        return Gte(self.name, value)

    def __lt__(self, value: Any) -> Lt:
        return Lt(self.name, value)

    def __le__(self, value: Any) -> Lte:
        return Lte(self.name, value)

    def is_in(self, values: List[Any]) -> In:
        return In(self.name, values)

    def not_in(self, values: List[Any]) -> Nin:
        return Nin(self.name, values)

    def regex(self, pattern: str) -> Regex:
        return Regex(self.name, pattern)

    def not_regex(self, pattern: str) -> NotRegex:
        return NotRegex(self.name, pattern)

    def contains(self, value: Any) -> Contains:
        if self.name == "#document" and not isinstance(value, str):
            raise TypeError("$contains on #document requires a string pattern")
        return Contains(self.name, value)

    def not_contains(self, value: Any) -> NotContains:
        if self.name == "#document" and not isinstance(value, str):
            raise TypeError("$not_contains on #document requires a string pattern")
        return NotContains(self.name, value)


Key.ID = Key("#id")
Key.DOCUMENT = Key("#document")
Key.EMBEDDING = Key("#embedding")
Key.METADATA = Key("#metadata")
Key.SCORE = Key("#score")
K = Key


def _key_name(key: Union[Key, str]) -> str:
    return key.name if isinstance(key, Key) else key


def _key_names(keys: Any) -> List[str]:
    return [_key_name(k) for k in (keys if isinstance(keys, (list, tuple)) else [keys])]


# --- Limit and Select -------------------------------------------------------------------------------
@dataclass
class Limit:
    """Skip ``offset`` results, then return at most ``limit`` (None: all)."""

    offset: int = 0
    limit: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"offset": self.offset}
        if self.limit is not None:
            out["limit"] = self.limit
        return out

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Limit":
        _require(isinstance(data, dict), TypeError, f"Expected dict for Limit, got {_type_name(data)}")
        offset = data.get("offset", 0)
        _require(isinstance(offset, int), TypeError, f"Limit offset must be an integer, got {_type_name(offset)}")
        _require(offset >= 0, ValueError, f"Limit offset must be non-negative, got {offset}")
        limit = data.get("limit")
        if limit is not None:
            _require(isinstance(limit, int), TypeError, f"Limit limit must be an integer, got {_type_name(limit)}")
            _require(limit > 0, ValueError, f"Limit limit must be positive, got {limit}")
        extra = set(data) - {"offset", "limit"}
        _require(not extra, ValueError, f"Unexpected keys in Limit dict: {extra}")
        return Limit(offset=offset, limit=limit)


@dataclass
class Select:
    """The fields each result carries: ``Key.DOCUMENT``, ``Key.EMBEDDING``, ``Key.METADATA``,
    ``Key.SCORE``, or metadata keys by name (ids always come back)."""

    keys: Set[Union[Key, str]] = field(default_factory=set)

    def to_dict(self) -> Dict[str, Any]:
        return {"keys": list(dict.fromkeys(_key_name(k) for k in self.keys))}

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Select":
        _require(isinstance(data, dict), TypeError, f"Expected dict for Select, got {_type_name(data)}")
        keys = data.get("keys", [])
        _require(
            isinstance(keys, (list, tuple, set)), TypeError, f"Select keys must be a list/tuple/set, got {_type_name(keys)}"
        )
        for k in keys:
            _require(isinstance(k, str), TypeError, f"Select key must be a string, got {_type_name(k)}")
        extra = set(data) - {"keys"}
        _require(not extra, ValueError, f"Unexpected keys in Select dict: {extra}")
        return Select(keys={Key(k) for k in keys})


# --- Rank -------------------------------------------------------------------------------------------
RankLike = Union["Rank", float, int]


def _as_rank(value: RankLike) -> "Rank":
    return Val(value) if isinstance(value, (int, float)) else value


class Rank:
    """A score per record; results are ordered by it, ascending. Arithmetic with ranks and numbers
    builds expressions: ``Knn(query=q) * 0.8 + Val(0.5) * 0.2``, ``-rank``, ``abs(rank)``,
    ``rank.exp()``, ``rank.log()``, ``rank.max(0.0)``, ``rank.min(1.0)``."""

    def to_dict(self) -> Dict[str, Any]:
        raise NotImplementedError("Subclasses must implement to_dict()")

    def __add__(self, other: RankLike) -> "Sum":
        return Sum(_flatten_ranks(Sum, self) + _flatten_ranks(Sum, _as_rank(other)))

    def __radd__(self, other: RankLike) -> "Sum":
        return _as_rank(other) + self

    def __sub__(self, other: RankLike) -> "Sub":
        return Sub(self, _as_rank(other))

    def __rsub__(self, other: RankLike) -> "Sub":
        return Sub(_as_rank(other), self)

    def __mul__(self, other: RankLike) -> "Mul":
        return Mul(_flatten_ranks(Mul, self) + _flatten_ranks(Mul, _as_rank(other)))

    def __rmul__(self, other: RankLike) -> "Mul":
        return _as_rank(other) * self

    def __truediv__(self, other: RankLike) -> "Div":
        return Div(self, _as_rank(other))

    def __rtruediv__(self, other: RankLike) -> "Div":
        return Div(_as_rank(other), self)

    def __neg__(self) -> "Mul":
        return Mul([Val(-1), self])

    def __abs__(self) -> "Abs":
        return Abs(self)

    def abs(self) -> "Abs":
        return Abs(self)

    def exp(self) -> "Exp":
        return Exp(self)

    def log(self) -> "Log":
        return Log(self)

    def max(self, other: RankLike) -> "Max":
        return Max(_flatten_ranks(Max, self) + _flatten_ranks(Max, _as_rank(other)))

    def min(self, other: RankLike) -> "Min":
        return Min(_flatten_ranks(Min, self) + _flatten_ranks(Min, _as_rank(other)))

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Rank":
        """A rank from its JSON: ``{"$val": n}``, ``{"$knn": {...}}``, ``{"$sum"|"$mul"|"$max"|"$min":
        [ranks]}``, ``{"$sub"|"$div": {"left", "right"}}``, ``{"$abs"|"$exp"|"$log": rank}``."""
        _require(isinstance(data, dict), TypeError, f"Expected dict for Rank, got {_type_name(data)}")
        _require(bool(data), ValueError, "Rank dict cannot be empty")
        _require(len(data) == 1, ValueError, f"Rank dict must contain exactly one operator, got {len(data)}")
        op, arg = next(iter(data.items()))
        if op == "$val":
            _require(
                isinstance(arg, (int, float)) and not isinstance(arg, bool),
                TypeError,
                f"$val requires a number, got {_type_name(arg)}",
            )
            return Val(arg)
        if op == "$knn":
            return Knn._from_dict(arg)
        if op in _NARY_RANKS:
            _require(isinstance(arg, (list, tuple)), TypeError, f"{op} requires a list, got {_type_name(arg)}")
            _require(len(arg) >= 2, ValueError, f"{op} requires at least 2 ranks, got {len(arg)}")
            return _NARY_RANKS[op]([Rank.from_dict(r) for r in arg])
        if op in _BINARY_RANKS:
            _require(
                isinstance(arg, dict),
                TypeError,
                f"{op} requires a dict with 'left' and 'right', got {_type_name(arg)}",
            )
            _require("left" in arg and "right" in arg, ValueError, f"{op} requires 'left' and 'right' fields")
            return _BINARY_RANKS[op](Rank.from_dict(arg["left"]), Rank.from_dict(arg["right"]))
        if op in _UNARY_RANKS:
            _require(isinstance(arg, dict), TypeError, f"{op} requires a rank dict, got {_type_name(arg)}")
            return _UNARY_RANKS[op](Rank.from_dict(arg))
        raise ValueError(f"Unknown rank operator: {op}")


def _flatten_ranks(cls: type, rank: Rank) -> List[Rank]:
    return list(rank.ranks) if isinstance(rank, cls) else [rank]  # type: ignore[attr-defined]


@dataclass
class Val(Rank):
    """A constant score."""

    value: float

    def to_dict(self) -> Dict[str, Any]:
        return {"$val": self.value}


@dataclass
class Sum(Rank):
    ranks: List[Rank]

    def to_dict(self) -> Dict[str, Any]:
        return {"$sum": [r.to_dict() for r in self.ranks]}


@dataclass
class Mul(Rank):
    ranks: List[Rank]

    def to_dict(self) -> Dict[str, Any]:
        return {"$mul": [r.to_dict() for r in self.ranks]}


@dataclass
class Max(Rank):
    ranks: List[Rank]

    def to_dict(self) -> Dict[str, Any]:
        return {"$max": [r.to_dict() for r in self.ranks]}


@dataclass
class Min(Rank):
    ranks: List[Rank]

    def to_dict(self) -> Dict[str, Any]:
        return {"$min": [r.to_dict() for r in self.ranks]}


@dataclass
class Sub(Rank):
    left: Rank
    right: Rank

    def to_dict(self) -> Dict[str, Any]:
        return {"$sub": {"left": self.left.to_dict(), "right": self.right.to_dict()}}


@dataclass
class Div(Rank):
    left: Rank
    right: Rank

    def to_dict(self) -> Dict[str, Any]:
        return {"$div": {"left": self.left.to_dict(), "right": self.right.to_dict()}}


@dataclass
class Abs(Rank):
    rank: Rank

    def to_dict(self) -> Dict[str, Any]:
        return {"$abs": self.rank.to_dict()}


@dataclass
class Exp(Rank):
    rank: Rank

    def to_dict(self) -> Dict[str, Any]:
        return {"$exp": self.rank.to_dict()}


@dataclass
class Log(Rank):
    rank: Rank

    def to_dict(self) -> Dict[str, Any]:
        return {"$log": self.rank.to_dict()}


_NARY_RANKS: Dict[str, Callable[[List[Rank]], Rank]] = {"$sum": Sum, "$mul": Mul, "$max": Max, "$min": Min}
_BINARY_RANKS: Dict[str, Callable[[Rank, Rank], Rank]] = {"$sub": Sub, "$div": Div}
_UNARY_RANKS: Dict[str, Callable[[Rank], Rank]] = {"$abs": Abs, "$exp": Exp, "$log": Log}


@dataclass
class Knn(Rank):
    """The nearest ``limit`` records to ``query`` on ``key``, scored by distance (or by their rank
    0, 1, 2, ... with ``return_rank``); records outside them score ``default``, or drop out when it
    is None.

    ``query``: a dense vector for ``Key.EMBEDDING`` (the default key), a ``SparseVector`` for a
    metadata key holding sparse vectors, or a string that ``collection.search`` embeds with the
    collection's embedding function (or, for a sparse key, the schema's sparse function)."""

    query: Any
    key: Union[Key, str] = "#embedding"
    limit: int = 16
    default: Optional[float] = None
    return_rank: bool = False

    def to_dict(self) -> Dict[str, Any]:
        query = self.query
        if isinstance(query, SparseVector):
            query = query.to_dict()
        elif isinstance(query, np.ndarray):
            query = query.tolist()
        out: Dict[str, Any] = {"query": query, "key": _key_name(self.key), "limit": self.limit}
        if self.default is not None:
            out["default"] = self.default
        if self.return_rank:
            out["return_rank"] = True
        return {"$knn": out}

    @staticmethod
    def _from_dict(data: Any) -> "Knn":
        _require(isinstance(data, dict), TypeError, f"$knn requires a dict, got {_type_name(data)}")
        _require("query" in data, ValueError, "$knn requires 'query' field")
        query = data["query"]
        if isinstance(query, dict):
            _require(
                query.get(TYPE_KEY) == SPARSE_VECTOR_TYPE_VALUE,
                ValueError,
                f"Expected dict with {TYPE_KEY}='{SPARSE_VECTOR_TYPE_VALUE}', got {query}",
            )
            query = SparseVector.from_dict(query)
        elif isinstance(query, (list, tuple, np.ndarray)):
            vectors = t.normalize_embeddings(list(query) if isinstance(query, tuple) else query)
            _require(bool(vectors) and len(vectors) == 1, ValueError, "$knn requires exactly one query embedding")
            t.validate_embeddings(vectors)
            query = vectors[0]
        else:
            raise TypeError(
                f"$knn query must be a list, numpy array, or SparseVector dict, got {_type_name(query)}"
            )
        key = data.get("key", "#embedding")
        _require(isinstance(key, str), TypeError, f"$knn key must be a string, got {_type_name(key)}")
        limit = data.get("limit", 16)
        _require(isinstance(limit, int), TypeError, f"$knn limit must be an integer, got {_type_name(limit)}")
        _require(limit > 0, ValueError, f"$knn limit must be positive, got {limit}")
        return_rank = data.get("return_rank", False)
        _require(
            isinstance(return_rank, bool), TypeError, f"$knn return_rank must be a boolean, got {_type_name(return_rank)}"
        )
        return Knn(query=query, key=key, limit=limit, default=data.get("default"), return_rank=return_rank)


@dataclass
class Rrf(Rank):
    """Reciprocal rank fusion: ``-sum(weight_i / (k + rank_i))`` (negated, since lower scores are
    better). Each rank is usually a ``Knn(..., return_rank=True)``; give a ``default`` to those
    Knns so a record that only one of them found still scores. ``normalize`` scales the weights to
    sum to 1. Serialised as that arithmetic (there is no "$rrf" on the wire)."""

    ranks: List[Rank]
    k: int = 60
    weights: Optional[List[float]] = None
    normalize: bool = False

    def to_dict(self) -> Dict[str, Any]:
        _require(bool(self.ranks), ValueError, "RRF requires at least one rank")
        _require(self.k > 0, ValueError, f"k must be positive, got {self.k}")
        weights = list(self.weights) if self.weights else [1.0] * len(self.ranks)
        if self.weights is not None:
            _require(
                len(self.weights) == len(self.ranks),
                ValueError,
                f"Number of weights ({len(self.weights)}) must match number of ranks ({len(self.ranks)})",
            )
            _require(all(w >= 0.0 for w in self.weights), ValueError, "All weights must be non-negative")
        if self.normalize:
            total = sum(weights)
            _require(total != 0, ValueError, "Sum of weights must be positive when normalize=True")
            weights = [w / total for w in weights]
        terms: List[Rank] = [w / (self.k + rank) for w, rank in zip(weights, self.ranks)]
        fused = terms[0]
        for term in terms[1:]:
            fused = fused + term
        return (-fused).to_dict()


# --- GroupBy ----------------------------------------------------------------------------------------
class Aggregate:
    """Which records each group keeps: ``MinK`` (the k smallest by ``keys``) or ``MaxK``."""

    def to_dict(self) -> Dict[str, Any]:
        raise NotImplementedError("Subclasses must implement to_dict()")

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Aggregate":
        _require(isinstance(data, dict), TypeError, f"Expected dict for Aggregate, got {_type_name(data)}")
        _require(bool(data), ValueError, "Aggregate dict cannot be empty")
        _require(len(data) == 1, ValueError, f"Aggregate dict must contain exactly one operator, got {len(data)}")
        op, arg = next(iter(data.items()))
        cls = {"$min_k": MinK, "$max_k": MaxK}.get(op)
        _require(cls is not None, ValueError, f"Unknown aggregate operator: {op}")
        _require(isinstance(arg, dict), TypeError, f"{op} requires a dict, got {_type_name(arg)}")
        _require("keys" in arg, ValueError, f"{op} requires 'keys' field")
        _require("k" in arg, ValueError, f"{op} requires 'k' field")
        keys, k = arg["keys"], arg["k"]
        _require(isinstance(keys, (list, tuple)), TypeError, f"{op} keys must be a list, got {_type_name(keys)}")
        _require(bool(keys), ValueError, f"{op} keys cannot be empty")
        _require(isinstance(k, int), TypeError, f"{op} k must be an integer, got {_type_name(k)}")
        _require(k > 0, ValueError, f"{op} k must be positive, got {k}")
        return cls(keys=[Key(x) if isinstance(x, str) else x for x in keys], k=k)  # type: ignore[misc]


@dataclass
class MinK(Aggregate):
    keys: Any
    k: int

    def to_dict(self) -> Dict[str, Any]:
        return {"$min_k": {"keys": _key_names(self.keys), "k": self.k}}


@dataclass
class MaxK(Aggregate):
    keys: Any
    k: int

    def to_dict(self) -> Dict[str, Any]:
        return {"$max_k": {"keys": _key_names(self.keys), "k": self.k}}


@dataclass
class GroupBy:
    """Groups results by metadata ``keys`` and keeps what ``aggregate`` picks from each group; the
    kept records come back together, ordered by score. Both or neither must be given."""

    keys: Any = field(default_factory=list)
    aggregate: Optional[Aggregate] = None

    def to_dict(self) -> Dict[str, Any]:
        if not self.keys or self.aggregate is None:
            return {}
        return {"keys": _key_names(self.keys), "aggregate": self.aggregate.to_dict()}

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "GroupBy":
        _require(isinstance(data, dict), TypeError, f"Expected dict for GroupBy, got {_type_name(data)}")
        if not data:
            return GroupBy()
        _require("keys" in data, ValueError, "GroupBy requires 'keys' field")
        _require("aggregate" in data, ValueError, "GroupBy requires 'aggregate' field")
        keys, aggregate = data["keys"], data["aggregate"]
        _require(isinstance(keys, (list, tuple)), TypeError, f"GroupBy keys must be a list, got {_type_name(keys)}")
        _require(bool(keys), ValueError, "GroupBy keys cannot be empty")
        _require(
            isinstance(aggregate, dict), TypeError, f"GroupBy aggregate must be a dict, got {_type_name(aggregate)}"
        )
        return GroupBy(keys=[Key(k) if isinstance(k, str) else k for k in keys], aggregate=Aggregate.from_dict(aggregate))
