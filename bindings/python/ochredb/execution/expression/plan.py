"""``Search``: one search request (filter, ranking, grouping, page, fields), as chromadb has it."""

from typing import Any, Dict, Optional, Union

from ochredb.execution.expression.operator import GroupBy, Key, Limit, Rank, Select, Where


def _coerce(value: Any, cls: type, name: str, allowed: str, convert: Dict[type, Any]) -> Any:
    """``value`` as a ``cls``: itself, or converted by the first matching entry of ``convert``."""
    if isinstance(value, cls):
        return value
    for source, fn in convert.items():
        if isinstance(value, source) and not (source is int and isinstance(value, bool)):
            return fn(value)
    raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}")


class Search:
    """A search: ``where`` filters, ``rank`` scores (lower first), ``group_by`` keeps the best of
    each group, ``limit`` pages, ``select`` names the fields returned. Each part may be given as an
    expression or as its JSON; the builder methods return a new Search::

        Search().where(K("status") == "active").rank(Knn(query=[0.1, 0.2])).limit(10).select(K.DOCUMENT)
    """

    def __init__(
        self,
        where: Optional[Union[Where, Dict[str, Any]]] = None,
        rank: Optional[Union[Rank, Dict[str, Any]]] = None,
        group_by: Optional[Union[GroupBy, Dict[str, Any]]] = None,
        limit: Optional[Union[Limit, Dict[str, Any], int]] = None,
        select: Optional[Union[Select, Dict[str, Any], list, set]] = None,
    ) -> None:
        self._where = None if where is None else _coerce(where, Where, "where", "a Where object, dict, or None", {dict: Where.from_dict})
        self._rank = None if rank is None else _coerce(rank, Rank, "rank", "a Rank object, dict, or None", {dict: Rank.from_dict})
        self._group_by = GroupBy() if group_by is None else _coerce(
            group_by, GroupBy, "group_by", "a GroupBy object, dict, or None", {dict: GroupBy.from_dict}
        )
        self._limit = Limit() if limit is None else _coerce(
            limit,
            Limit,
            "limit",
            "a Limit object, dict, int, or None",
            {int: lambda n: Limit.from_dict({"limit": n, "offset": 0}), dict: Limit.from_dict},
        )
        self._select = Select() if select is None else _coerce(
            select,
            Select,
            "select",
            "a Select object, dict, list, set, or None",
            {dict: Select.from_dict, list: lambda ks: Select.from_dict({"keys": list(ks)}),
             set: lambda ks: Select.from_dict({"keys": list(ks)})},
        )  # fmt: skip

    def to_dict(self) -> Dict[str, Any]:
        """The JSON of this search, as chromadb's clients send it."""
        return {
            "filter": None if self._where is None else self._where.to_dict(),
            "rank": None if self._rank is None else self._rank.to_dict(),
            "group_by": self._group_by.to_dict(),
            "limit": self._limit.to_dict(),
            "select": self._select.to_dict(),
        }

    def _with(self, **changes: Any) -> "Search":
        parts = {
            "where": self._where,
            "rank": self._rank,
            "group_by": self._group_by,
            "limit": self._limit,
            "select": self._select,
        }
        parts.update(changes)
        return Search(**parts)

    def where(self, where: Optional[Union[Where, Dict[str, Any]]]) -> "Search":
        return self._with(where=where)

    def rank(self, rank_expr: Optional[Union[Rank, Dict[str, Any]]]) -> "Search":
        return self._with(rank=rank_expr)

    def group_by(self, group_by: Optional[Union[GroupBy, Dict[str, Any]]]) -> "Search":
        return self._with(group_by=group_by)

    def limit(self, limit: int, offset: int = 0) -> "Search":
        return self._with(limit=Limit(offset=offset, limit=limit))

    def select(self, *keys: Union[Key, str]) -> "Search":
        return self._with(select=Select(keys=set(keys)))

    def select_all(self) -> "Search":
        """Documents, embeddings, metadatas and scores."""
        return self._with(select=Select(keys={Key.DOCUMENT, Key.EMBEDDING, Key.METADATA, Key.SCORE}))

    def __repr__(self) -> str:
        return f"Search({self.to_dict()!r})"
