"""JSON over HTTP for the embedding providers, with the standard library only (urllib).

Every failure raises EmbeddingProviderError saying which server and what went wrong: a server that
is down, an HTTP error status (with the start of its body), or an answer that is not the JSON the
provider's API returns. The caller raises before anything is written, so a failed embedding call
leaves the collection unchanged.
"""

import json
import socket
import urllib.error
import urllib.request
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from ochredb.api.types import EmbeddingFunction, Space


class EmbeddingProviderError(ValueError):
    """An embedding server could not be reached or gave an answer that is not embeddings."""


class ServerEmbeddingFunction(EmbeddingFunction):
    """What chromadb's server-backed providers share: cosine by default, any space allowed."""

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> List[Space]:
        return ["cosine", "l2", "ip"]

    def is_legacy(self) -> bool:
        return False


def post_json(
    url: str, body: Any, headers: Optional[Mapping[str, str]] = None, timeout: Optional[float] = 60.0
) -> Any:
    data = json.dumps(body).encode("utf-8")
    all_headers: Dict[str, str] = {"Content-Type": "application/json", "Accept": "application/json"}
    if headers:
        all_headers.update({str(k): str(v) for k, v in headers.items()})
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as e:
        detail = e.read(500).decode("utf-8", "replace") if e.fp is not None else ""
        raise EmbeddingProviderError(f"embedding server {url} answered HTTP {e.code}: {detail}") from None
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise EmbeddingProviderError(f"cannot reach the embedding server at {url}: {reason}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise EmbeddingProviderError(
            f"embedding server {url} did not answer JSON: {raw[:200]!r}"
        ) from None


def to_vectors(rows: Any, count: int, url: str) -> list:
    """A list of ``count`` float32 vectors of one length, or EmbeddingProviderError."""
    if not isinstance(rows, list) or len(rows) != count:
        got = len(rows) if isinstance(rows, list) else type(rows).__name__
        raise EmbeddingProviderError(f"embedding server {url} returned {got} embeddings for {count} inputs")
    out = []
    for i, row in enumerate(rows):
        if (
            not isinstance(row, list)
            or not row
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in row)
        ):
            raise EmbeddingProviderError(f"embedding server {url} returned a malformed embedding at position {i}")
        out.append(np.asarray(row, dtype=np.float32))
    if len({len(v) for v in out}) > 1:
        raise EmbeddingProviderError(f"embedding server {url} returned embeddings of different lengths")
    return out
