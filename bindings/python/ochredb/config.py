"""``Settings`` (chromadb.config.Settings) and the default tenant and database names.

chromadb's Settings is a pydantic BaseSettings; this is a plain object with the same field names
and defaults. OchreDB uses ``allow_reset``, ``is_persistent`` and ``persist_directory``; every other
field is accepted and kept, so configuration written for chromadb still constructs.
"""

import os
from typing import Any, Dict

DEFAULT_TENANT = "default_tenant"
DEFAULT_DATABASE = "default_database"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Settings:
    _DEFAULTS: Dict[str, Any] = {
        "is_persistent": False,
        "persist_directory": "./chroma",
        "allow_reset": False,
        "anonymized_telemetry": True,
        "migrations": "apply",
        "migrations_hash_algorithm": "md5",
        "chroma_api_impl": "chromadb.api.rust.RustBindingsAPI",
        "chroma_server_host": None,
        "chroma_server_http_port": None,
        "chroma_server_ssl_enabled": False,
    }

    def __init__(self, **kwargs: Any) -> None:
        values = dict(self._DEFAULTS)
        # Like pydantic's BaseSettings, the environment fills what the caller leaves out.
        values["allow_reset"] = _env_bool("ALLOW_RESET", False)
        values["is_persistent"] = _env_bool("IS_PERSISTENT", False)
        values["persist_directory"] = os.environ.get("PERSIST_DIRECTORY", "./chroma")
        values.update(kwargs)
        self.__dict__.update(values)

    def require(self, key: str) -> Any:
        value = getattr(self, key, None)
        if value is None:
            raise ValueError(f"Missing required config value '{key}'")
        return value

    def dict(self) -> Dict[str, Any]:  # noqa: A003 (pydantic's name)
        return dict(self.__dict__)

    def model_dump(self) -> Dict[str, Any]:
        return dict(self.__dict__)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in sorted(self.__dict__.items()))
        return f"Settings({fields})"
