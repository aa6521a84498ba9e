"""Exceptions with chromadb's names (``chromadb.errors``).

Engine failures arrive as a Status (code, kind, message); ``_from_status`` picks the class the way
chromadb's in-process client does (rust/python_bindings/src/errors.rs), with two deliberate
refinements: an existing collection raises ``UniqueConstraintError`` (chromadb's in-process client
says ``InternalError``; its HTTP client and older releases say ``UniqueConstraintError``), and a
directory that cannot be created or written raises Python's ``PermissionError``.
"""

from typing import Dict, Type


class ChromaError(Exception):
    """Base of every OchreDB error, as in chromadb."""

    def code(self) -> int:
        """The HTTP status this error would have."""
        return 400

    def message(self) -> str:
        return ", ".join(str(a) for a in self.args)

    @classmethod
    def name(cls) -> str:
        return cls.__name__


class InvalidDimensionException(ChromaError):
    @classmethod
    def name(cls) -> str:
        return "InvalidDimension"


class IDAlreadyExistsError(ChromaError):
    def code(self) -> int:
        return 409

    @classmethod
    def name(cls) -> str:
        return "IDAlreadyExists"


class ChromaAuthError(ChromaError):
    def code(self) -> int:
        return 403

    @classmethod
    def name(cls) -> str:
        return "AuthError"


class DuplicateIDError(ChromaError):
    @classmethod
    def name(cls) -> str:
        return "DuplicateID"


class InvalidArgumentError(ChromaError):
    def code(self) -> int:
        return 400

    @classmethod
    def name(cls) -> str:
        return "InvalidArgument"


class InvalidUUIDError(ChromaError):
    @classmethod
    def name(cls) -> str:
        return "InvalidUUID"


class AuthorizationError(ChromaError):
    def code(self) -> int:
        return 401

    @classmethod
    def name(cls) -> str:
        return "AuthorizationError"


class NotFoundError(ChromaError):
    def code(self) -> int:
        return 404

    @classmethod
    def name(cls) -> str:
        return "NotFoundError"


class UniqueConstraintError(ChromaError):
    def code(self) -> int:
        return 409

    @classmethod
    def name(cls) -> str:
        return "UniqueConstraintError"


class BatchSizeExceededError(ChromaError):
    def code(self) -> int:
        return 413

    @classmethod
    def name(cls) -> str:
        return "BatchSizeExceededError"


class VersionMismatchError(ChromaError):
    def code(self) -> int:
        return 500

    @classmethod
    def name(cls) -> str:
        return "VersionMismatchError"


class InternalError(ChromaError):
    def code(self) -> int:
        return 500

    @classmethod
    def name(cls) -> str:
        return "InternalError"


class RateLimitError(ChromaError):
    def code(self) -> int:
        return 429

    @classmethod
    def name(cls) -> str:
        return "RateLimitError"


# OchreDB's own refinements of InternalError, so callers can tell them apart while code written for
# chromadb (which catches InternalError or ChromaError) keeps working.
class DatabaseLockedError(InternalError):
    """Another process holds the database directory open (its LOCK file)."""

    @classmethod
    def name(cls) -> str:
        return "DatabaseLockedError"


class CorruptionError(InternalError):
    """Bytes on disk failed a check; the message names the file."""

    @classmethod
    def name(cls) -> str:
        return "CorruptionError"


class ReadOnlyError(InternalError):
    """The database cannot be written (read-only file system, or latched after a failed sync)."""

    @classmethod
    def name(cls) -> str:
        return "ReadOnlyError"


error_types: Dict[str, Type[ChromaError]] = {
    "InvalidDimension": InvalidDimensionException,
    "IDAlreadyExists": IDAlreadyExistsError,
    "DuplicateID": DuplicateIDError,
    "InvalidUUID": InvalidUUIDError,
    "InvalidArgumentError": InvalidArgumentError,
    "AuthorizationError": AuthorizationError,
    "NotFoundError": NotFoundError,
    "UniqueConstraintError": UniqueConstraintError,
    "InternalError": InternalError,
    "BatchSizeExceededError": BatchSizeExceededError,
    "VersionMismatchError": VersionMismatchError,
    "RateLimitError": RateLimitError,
}

_BY_CODE: Dict[str, type] = {
    "NotFound": NotFoundError,
    "AlreadyExists": UniqueConstraintError,
    "InvalidArgument": InvalidArgumentError,
    "Corruption": CorruptionError,
    "IOError": InternalError,
    "NoSpace": InternalError,
    # Reset with allow_reset=False: chromadb maps PermissionDenied to AuthorizationError.
    "PermissionDenied": AuthorizationError,
    "Locked": DatabaseLockedError,
    "ReadOnly": ReadOnlyError,
    "NotSupported": InternalError,
    "ResourceExhausted": InvalidArgumentError,
    "Internal": InternalError,
}

# Opening a directory: a path that cannot be created or written is Python's PermissionError (what
# code written for chromadb catches); a path that is a regular file is NotADirectoryError.
_OPEN_BY_CODE: Dict[str, type] = {
    "PermissionDenied": PermissionError,
    "ReadOnly": PermissionError,
    "NotFound": PermissionError,
    "IOError": PermissionError,
    "InvalidArgument": NotADirectoryError,
}


def _from_status(code: str, kind: str, message: str) -> BaseException:
    """Called by the native layer: the exception for an engine Status."""
    if code.startswith("Open"):
        code = code[len("Open") :]
        if code in _OPEN_BY_CODE:
            return _OPEN_BY_CODE[code](message)
    if code == "InvalidArgument" and kind == "DuplicateId":
        return DuplicateIDError(message)
    cls = _BY_CODE.get(code, InternalError)
    return cls(message)
