"""chromadb's HuggingFaceEmbeddingServer (Text Embeddings Inference), over urllib.

``url`` is the full endpoint, e.g. ``http://localhost:8080/embed``; the request is
``{"inputs": [...]}`` and the answer a list of vectors. An API key, when any, comes from ``api_key``
or the variable ``api_key_env_var``; only the variable's name is persisted.
"""

import os
from typing import Any, Dict, Optional

from ochredb.api.types import Documents, Embeddings
from ochredb.utils.embedding_functions._http import ServerEmbeddingFunction, post_json, to_vectors


class HuggingFaceEmbeddingServer(ServerEmbeddingFunction):
    def __init__(
        self,
        url: str,
        api_key_env_var: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: Optional[float] = 60.0,
    ) -> None:
        self.url = url
        self.api_key_env_var = api_key_env_var
        if api_key_env_var is not None:
            self.api_key = api_key or os.getenv(api_key_env_var)
        else:
            self.api_key = api_key
        self._timeout = timeout

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002
        texts = list(input)
        if not texts:
            return []
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else None
        answer = post_json(self.url, {"inputs": texts}, headers, self._timeout)
        return to_vectors(answer, len(texts), self.url)

    @staticmethod
    def name() -> str:
        return "huggingface_server"

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "HuggingFaceEmbeddingServer":
        url = config.get("url")
        if url is None:
            raise ValueError("URL must be provided for HuggingFaceEmbeddingServer")
        return HuggingFaceEmbeddingServer(url=url, api_key_env_var=config.get("api_key_env_var"))

    def get_config(self) -> Dict[str, Any]:
        return {"url": self.url, "api_key_env_var": self.api_key_env_var}

    def validate_config_update(self, old_config: Dict[str, Any], new_config: Dict[str, Any]) -> None:
        if "url" in new_config and new_config["url"] != self.url:
            raise ValueError("The URL cannot be changed after the embedding function has been initialized.")

    @staticmethod
    def validate_config(config: Dict[str, Any]) -> None:
        if not isinstance(config.get("url"), str):
            raise ValueError("huggingface_server embedding function config: url must be a string")
