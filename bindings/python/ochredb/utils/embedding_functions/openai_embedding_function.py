"""chromadb's OpenAIEmbeddingFunction, over urllib.

``api_base`` points it at any server with OpenAI's ``POST {api_base}/embeddings`` (llama.cpp's
server, vLLM, LM Studio, LocalAI, ...). The key comes from ``api_key`` or the environment variable
``api_key_env_var``; only the variable's name is persisted, never the key.
"""

import os
import warnings
from typing import Any, Dict, Mapping, Optional

from ochredb.api.types import Documents, Embeddings
from ochredb.utils.embedding_functions._http import EmbeddingProviderError, ServerEmbeddingFunction, post_json, to_vectors

DEFAULT_API_BASE = "https://api.openai.com/v1"


class OpenAIEmbeddingFunction(ServerEmbeddingFunction):
    def __init__(
        self,
        api_key: Optional[str] = None,
        model_name: str = "text-embedding-ada-002",
        organization_id: Optional[str] = None,
        api_base: Optional[str] = None,
        api_type: Optional[str] = None,
        api_version: Optional[str] = None,
        deployment_id: Optional[str] = None,
        default_headers: Optional[Mapping[str, str]] = None,
        dimensions: Optional[int] = None,
        api_key_env_var: str = "CHROMA_OPENAI_API_KEY",
        timeout: Optional[float] = 60.0,
    ) -> None:
        if api_key is not None:
            warnings.warn(
                "Direct api_key configuration will not be persisted. "
                "Please use environment variables via api_key_env_var for persistent storage.",
                DeprecationWarning,
            )
        self.api_key_env_var = api_key_env_var
        self.api_key = api_key or os.getenv(api_key_env_var)
        if not self.api_key:
            raise ValueError(f"The {api_key_env_var} environment variable is not set.")
        if api_type == "azure" and (not api_base or not api_version):
            raise ValueError("api_type 'azure' needs api_base (the endpoint) and api_version")
        self.model_name = model_name
        self.organization_id = organization_id
        self.api_base = api_base
        self.api_type = api_type
        self.api_version = api_version
        self.deployment_id = deployment_id
        self.default_headers = dict(default_headers) if default_headers else None
        self.dimensions = dimensions
        self._timeout = timeout

    def _url_and_headers(self) -> "tuple[str, Dict[str, str]]":
        headers: Dict[str, str] = dict(self.default_headers or {})
        if self.api_type == "azure":
            deployment = self.deployment_id or self.model_name
            url = (
                f"{str(self.api_base).rstrip('/')}/openai/deployments/{deployment}/embeddings"
                f"?api-version={self.api_version}"
            )
            headers["api-key"] = str(self.api_key)
        else:
            url = f"{(self.api_base or DEFAULT_API_BASE).rstrip('/')}/embeddings"
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self.organization_id:
            headers["OpenAI-Organization"] = self.organization_id
        return url, headers

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002
        texts = [t.replace("\n", " ") for t in input]
        if not texts:
            return []
        body: Dict[str, Any] = {"input": texts, "model": self.deployment_id or self.model_name}
        if self.dimensions is not None and "text-embedding-3" in self.model_name:
            body["dimensions"] = self.dimensions
        url, headers = self._url_and_headers()
        answer = post_json(url, body, headers, self._timeout)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or not all(isinstance(d, dict) and "embedding" in d for d in data):
            raise EmbeddingProviderError(f"embedding server {url} did not answer OpenAI's {{\"data\": [...]}}: {answer!r:.200}")
        if all(isinstance(d.get("index"), int) for d in data):
            data = sorted(data, key=lambda d: d["index"])
        return to_vectors([d["embedding"] for d in data], len(texts), url)

    @staticmethod
    def name() -> str:
        return "openai"

    @staticmethod
    def build_from_config(config: Dict[str, Any]) -> "OpenAIEmbeddingFunction":
        api_key_env_var = config.get("api_key_env_var")
        model_name = config.get("model_name")
        if api_key_env_var is None or model_name is None:
            raise ValueError("an openai embedding function config needs api_key_env_var and model_name")
        return OpenAIEmbeddingFunction(
            api_key_env_var=api_key_env_var,
            model_name=model_name,
            organization_id=config.get("organization_id"),
            api_base=config.get("api_base"),
            api_type=config.get("api_type"),
            api_version=config.get("api_version"),
            deployment_id=config.get("deployment_id"),
            default_headers=config.get("default_headers"),
            dimensions=config.get("dimensions"),
        )

    def get_config(self) -> Dict[str, Any]:
        return {
            "api_key_env_var": self.api_key_env_var,
            "model_name": self.model_name,
            "organization_id": self.organization_id,
            "api_base": self.api_base,
            "api_type": self.api_type,
            "api_version": self.api_version,
            "deployment_id": self.deployment_id,
            "default_headers": self.default_headers,
            "dimensions": self.dimensions,
        }

    def validate_config_update(self, old_config: Dict[str, Any], new_config: Dict[str, Any]) -> None:
        if "model_name" in new_config and new_config["model_name"] != old_config.get("model_name"):
            raise ValueError("The model name cannot be changed after the embedding function has been initialized.")

    @staticmethod
    def validate_config(config: Dict[str, Any]) -> None:
        for key in ("api_key_env_var", "model_name"):
            if not isinstance(config.get(key), str):
                raise ValueError(f"openai embedding function config: {key} must be a string")
