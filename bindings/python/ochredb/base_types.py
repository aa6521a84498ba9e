"""chromadb's ``chromadb.base_types``: SparseVector."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

TYPE_KEY = "#type"
SPARSE_VECTOR_TYPE_VALUE = "sparse_vector"


@dataclass
class SparseVector:
    """A sparse vector: strictly increasing non-negative ``indices`` and one float ``value`` each,
    optionally one ``label`` each (chromadb's shape, stored as {"#type": "sparse_vector", ...})."""

    indices: List[int]
    values: List[float]
    labels: Optional[List[str]] = None

    def __post_init__(self) -> None:
        if not isinstance(self.indices, list):
            raise ValueError(f"Expected SparseVector indices to be a list, got {type(self.indices).__name__}")
        if not isinstance(self.values, list):
            raise ValueError(f"Expected SparseVector values to be a list, got {type(self.values).__name__}")
        if len(self.indices) != len(self.values):
            raise ValueError(
                f"SparseVector indices and values must have the same length, got {len(self.indices)} indices "
                f"and {len(self.values)} values"
            )
        if self.labels is not None and len(self.labels) != len(self.indices):
            raise ValueError(
                f"SparseVector labels must match indices length, got {len(self.labels)} labels "
                f"and {len(self.indices)} indices"
            )
        for i, idx in enumerate(self.indices):
            if not isinstance(idx, int) or isinstance(idx, bool):
                raise ValueError(f"SparseVector indices must be integers, got {idx!r} at position {i}")
            if idx < 0:
                raise ValueError(f"SparseVector indices must be non-negative, got {idx} at position {i}")
        for i, v in enumerate(self.values):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise ValueError(f"SparseVector values must be numbers, got {v!r} at position {i}")
        for i in range(1, len(self.indices)):
            if self.indices[i] <= self.indices[i - 1]:
                raise ValueError(
                    f"Indices must be sorted in strictly ascending order (no duplicates), found "
                    f"indices[{i - 1}]={self.indices[i - 1]} >= indices[{i}]={self.indices[i]}"
                )

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {TYPE_KEY: SPARSE_VECTOR_TYPE_VALUE, "indices": self.indices, "values": self.values}
        if self.labels is not None:
            out["tokens"] = self.labels
        return out

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "SparseVector":
        if d.get(TYPE_KEY) != SPARSE_VECTOR_TYPE_VALUE:
            raise ValueError(f"Expected {TYPE_KEY}='{SPARSE_VECTOR_TYPE_VALUE}', got {d.get(TYPE_KEY)}")
        return cls(indices=d["indices"], values=d["values"], labels=d.get("tokens"))


__all__ = ["SparseVector"]
