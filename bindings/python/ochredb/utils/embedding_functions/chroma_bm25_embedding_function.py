"""chromadb's ``ChromaBm25EmbeddingFunction`` ("chroma_bm25"), computed natively.

The tokenizer (punctuation to spaces, lowercase, whitespace split, Chroma's English stopwords, tokens
longer than ``token_max_length`` dropped, Snowball English stemming), murmur3 hashing of the terms and
the BM25 term-frequency weights are chromadb's (chroma_bm25_embedding_function.py); they run in the
engine with the GIL released. Queries are embedded as documents (``embed_query`` is ``__call__``, as
in chromadb); the inverse document frequency is applied by the collection at query time when its
schema's sparse vector index has ``bm25`` enabled.
"""

import json
from typing import Any, Dict, Iterable, List, Optional

from ochredb import _ochredb
from ochredb.base_types import SparseVector

NAME = "chroma_bm25"

DEFAULT_K = 1.2
DEFAULT_B = 0.75
DEFAULT_AVG_DOC_LENGTH = 256.0
DEFAULT_TOKEN_MAX_LENGTH = 40

DEFAULT_CHROMA_BM25_STOPWORDS: List[str] = list(_ochredb.bm25_default_stopwords())


class ChromaBm25EmbeddingFunction:
    """BM25 sparse vectors of documents, as chromadb's class of the same name."""

    def __init__(
        self,
        k: float = DEFAULT_K,
        b: float = DEFAULT_B,
        avg_doc_length: float = DEFAULT_AVG_DOC_LENGTH,
        token_max_length: int = DEFAULT_TOKEN_MAX_LENGTH,
        stopwords: Optional[Iterable[str]] = None,
        include_tokens: bool = False,
    ) -> None:
        self.k = float(k)
        self.b = float(b)
        self.avg_doc_length = float(avg_doc_length)
        self.token_max_length = int(token_max_length)
        self.include_tokens = bool(include_tokens)
        self.stopwords: Optional[List[str]] = [str(w) for w in stopwords] if stopwords is not None else None
        # Checked now (a bad value fails here, not at the first call).
        self._config_json = _ochredb.bm25_normalize_config(json.dumps(self.get_config()))

    def __call__(self, input: List[str]) -> List[SparseVector]:
        if not input:
            return []
        if isinstance(input, str):
            input = [input]
        return list(_ochredb.bm25_embed(list(input), self._config_json))

    def embed_query(self, input: List[str]) -> List[SparseVector]:
        return self.__call__(input)

    @staticmethod
    def name() -> str:
        return NAME

    def is_legacy(self) -> bool:
        return False

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "ChromaBm25EmbeddingFunction":
        return ChromaBm25EmbeddingFunction(
            k=config.get("k", DEFAULT_K),
            b=config.get("b", DEFAULT_B),
            avg_doc_length=config.get("avg_doc_length", DEFAULT_AVG_DOC_LENGTH),
            token_max_length=config.get("token_max_length", DEFAULT_TOKEN_MAX_LENGTH),
            stopwords=config.get("stopwords"),
            include_tokens=config.get("include_tokens", False),
        )

    def get_config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = {
            "k": self.k,
            "b": self.b,
            "avg_doc_length": self.avg_doc_length,
            "token_max_length": self.token_max_length,
            "include_tokens": self.include_tokens,
        }
        if self.stopwords is not None:
            config["stopwords"] = list(self.stopwords)
        return config

    def validate_config_update(self, old_config: Dict[str, Any], new_config: Dict[str, Any]) -> None:
        mutable_keys = {"k", "b", "avg_doc_length", "token_max_length", "stopwords", "include_tokens"}
        for key in new_config:
            if key not in mutable_keys:
                raise ValueError(f"Updating '{key}' is not supported for {NAME}")

    @staticmethod
    def validate_config(config: Dict[str, Any]) -> None:
        _ochredb.bm25_normalize_config(json.dumps(config))

    def __repr__(self) -> str:
        return f"ChromaBm25EmbeddingFunction({self.get_config()})"


__all__ = ["ChromaBm25EmbeddingFunction", "DEFAULT_CHROMA_BM25_STOPWORDS", "NAME"]
