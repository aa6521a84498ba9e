"""chromadb's OllamaEmbeddingFunction, over urllib: ``POST {url}/api/embed``.

As in chromadb, a ``url`` ending in ``/api/embeddings`` (the old form) is cut back to the server.
"""

from typing import Any, Dict
from urllib.parse import urlparse

from ochredb.api.types import Documents, Embeddings
from ochredb.utils.embedding_functions._http import EmbeddingProviderError, ServerEmbeddingFunction, post_json, to_vectors

DEFAULT_MODEL_NAME = "chroma/all-minilm-l6-v2-f32"


class OllamaEmbeddingFunction(ServerEmbeddingFunction):
    def __init__(
        self,
        url: str = "http://localhost:11434",
        model_name: str = DEFAULT_MODEL_NAME,
        timeout: int = 60,
    ) -> None:
        self.url = url
        self.model_name = model_name
        self.timeout = timeout
        self._base_url = url
        if self._base_url.endswith("/api/embeddings") or self._base_url.endswith("/api/embed"):
            parsed = urlparse(url)
            self._base_url = f"{parsed.scheme}://{parsed.netloc}"
        self._base_url = self._base_url.rstrip("/")

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002
        texts = list(input)
        if not texts:
            return []
        endpoint = f"{self._base_url}/api/embed"
        answer = post_json(endpoint, {"model": self.model_name, "input": texts}, None, self.timeout)
        if not isinstance(answer, dict) or "embeddings" not in answer:
            raise EmbeddingProviderError(
                f"embedding server {endpoint} did not answer Ollama's {{\"embeddings\": [...]}}: {answer!r:.200}"
            )
        return to_vectors(answer["embeddings"], len(texts), endpoint)

    @staticmethod
    def name() -> str:
        return "ollama"

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "OllamaEmbeddingFunction":
        url = config.get("url")
        model_name = config.get("model_name")
        timeout = config.get("timeout")
        if url is None or model_name is None or timeout is None:
            raise ValueError("an ollama embedding function config needs url, model_name and timeout")
        return OllamaEmbeddingFunction(url=url, model_name=model_name, timeout=timeout)

    def get_config(self) -> Dict[str, Any]:
        return {"url": self.url, "model_name": self.model_name, "timeout": self.timeout}

    def validate_config_update(self, old_config: Dict[str, Any], new_config: Dict[str, Any]) -> None:
        if "model_name" in new_config and new_config["model_name"] != old_config.get("model_name"):
            raise ValueError("The model name cannot be changed after the embedding function has been initialized.")

    @staticmethod
    def validate_config(config: Dict[str, Any]) -> None:
        if not isinstance(config.get("url"), str) or not isinstance(config.get("model_name"), str):
            raise ValueError("ollama embedding function config: url and model_name must be strings")
