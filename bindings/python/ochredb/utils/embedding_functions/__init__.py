"""Built-in embedding functions (``chromadb.utils.embedding_functions``).

They run inside the engine (C++), so a collection that uses one embeds without calling back into
Python, and the GIL is released while they run. ``DefaultEmbeddingFunction`` (and
``ONNXMiniLM_L6_V2``) is chromadb's default, all-MiniLM-L6-v2, computed natively from the model's
ONNX weights (the same vectors as chromadb's onnxruntime recipe). The model is looked up on first
use: $OCHRE_MODEL_DIR, OchreDB's cache, then Chroma's cache; install it with ``ochre model pull`` or
``ochre model import onnx.tar.gz``. Without it, the first call raises an error saying where it
looked. ``HashingEmbeddingFunction`` needs no model (deterministic character n-gram hashing).
"""

import json
from typing import Any, Dict, List, Optional

from ochredb import _ochredb
from ochredb.api.types import Documents, Embeddings, EmbeddingFunction, Space


class _Native(_ochredb.NativeEmbeddingFunction):
    """An engine-side function, callable from Python like any chromadb embedding function."""

    def name(self) -> str:  # type: ignore[override]
        return self._native_name()

    def get_config(self) -> Dict[str, Any]:
        return json.loads(self._native_config_json())

    def default_space(self) -> Space:
        return self._native_default_space() or "l2"  # type: ignore[return-value]

    def supported_spaces(self) -> List[Space]:
        return ["cosine", "l2", "ip"]

    def is_legacy(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


class HashingEmbeddingFunction(_Native):
    """Character n-gram hashing into ``dim`` buckets, L2-normalised (the engine's ochre_hashing)."""

    def __init__(self, dim: int = 384) -> None:
        super().__init__(dim)

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "HashingEmbeddingFunction":
        return HashingEmbeddingFunction(int(config.get("dim", 384)))


class DefaultEmbeddingFunction(_Native):
    """chromadb's default: all-MiniLM-L6-v2, 384 dimensions, recorded as "default" with config {}.

    ``model_dir`` (ochredb's addition) loads the model from that folder now (model.onnx with
    tokenizer.json or vocab.txt); by default it is found on first use."""

    _NAME = "default"

    def __init__(self, model_dir: Optional[str] = None) -> None:
        super().__init__(self._NAME, model_dir)

    @staticmethod
    def name() -> str:  # type: ignore[override]
        return "default"

    def get_config(self) -> Dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "DefaultEmbeddingFunction":
        return DefaultEmbeddingFunction()


class ONNXMiniLM_L6_V2(DefaultEmbeddingFunction):  # noqa: N801 (chromadb's name)
    """The same model under chromadb's other name, recorded as "onnx_mini_lm_l6_v2"."""

    _NAME = "onnx_mini_lm_l6_v2"

    def __init__(self, preferred_providers: Optional[List[str]] = None, model_dir: Optional[str] = None) -> None:
        super().__init__(model_dir)
        # preferred_providers picks onnxruntime's execution providers in chromadb; there is none here.
        self._preferred_providers = preferred_providers

    @staticmethod
    def name() -> str:  # type: ignore[override]
        return "onnx_mini_lm_l6_v2"

    def get_config(self) -> Dict[str, Any]:
        return {"preferred_providers": self._preferred_providers} if self._preferred_providers else {}

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "ONNXMiniLM_L6_V2":
        return ONNXMiniLM_L6_V2(config.get("preferred_providers"))


# Functions get_collection can rebuild from a collection's record (chromadb's known_embedding_functions):
# name() -> class with build_from_config(config).
known_embedding_functions: Dict[str, Any] = {}


def register_embedding_function(ef_class: Any) -> Any:
    """Class decorator (chromadb's): lets get_collection without an embedding_function rebuild this
    function from the name and config the collection recorded."""
    name = ef_class.name()
    if not isinstance(name, str):
        raise ValueError(f"{ef_class.__name__}.name() must return a str to be registered")
    known_embedding_functions[name] = ef_class
    return ef_class


def _rebuild(descriptor: Any) -> Any:
    """The registered function for a recorded {"type": "known", "name", "config"}, or None."""
    if not descriptor or descriptor.get("type") != "known":
        return None
    cls = known_embedding_functions.get(descriptor.get("name"))
    if cls is None:
        return None
    return cls.build_from_config(descriptor.get("config") or {})


# Clients for embedding servers that local users run (HTTP with urllib; one file each), persisted
# under chromadb's names and configs so collections round-trip with chromadb's clients.
from ochredb.utils.embedding_functions._http import EmbeddingProviderError  # noqa: E402
from ochredb.utils.embedding_functions.huggingface_embedding_function import (  # noqa: E402
    HuggingFaceEmbeddingServer,
)
from ochredb.utils.embedding_functions.ollama_embedding_function import OllamaEmbeddingFunction  # noqa: E402
from ochredb.utils.embedding_functions.openai_embedding_function import OpenAIEmbeddingFunction  # noqa: E402

for _provider in (OpenAIEmbeddingFunction, OllamaEmbeddingFunction, HuggingFaceEmbeddingServer):
    register_embedding_function(_provider)

# Sparse embedding functions (chromadb's sparse_known_embedding_functions): name() -> class.
from ochredb.utils.embedding_functions.chroma_bm25_embedding_function import (  # noqa: E402
    ChromaBm25EmbeddingFunction,
)

sparse_known_embedding_functions: Dict[str, Any] = {ChromaBm25EmbeddingFunction.name(): ChromaBm25EmbeddingFunction}


def __getattr__(name: str) -> Any:
    # chromadb ships wrappers for hosted models (OpenAIEmbeddingFunction, ...); ochredb downloads
    # nothing, so say what to do instead of a bare AttributeError.
    if name.endswith("EmbeddingFunction"):
        raise AttributeError(
            f"ochredb has no {name}: pass any callable that follows chromadb's protocol "
            "(__call__(self, input) -> list of vectors) as embedding_function"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ChromaBm25EmbeddingFunction",
    "sparse_known_embedding_functions",
    "DefaultEmbeddingFunction",
    "EmbeddingProviderError",
    "HuggingFaceEmbeddingServer",
    "OllamaEmbeddingFunction",
    "OpenAIEmbeddingFunction",
    "HashingEmbeddingFunction",
    "ONNXMiniLM_L6_V2",
    "register_embedding_function",
    "known_embedding_functions",
    "EmbeddingFunction",
    "Documents",
    "Embeddings",
]
