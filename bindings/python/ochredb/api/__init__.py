"""The client API (``chromadb.api``)."""

from ochredb.api.client import AdminClient, Client as ClientAPI  # noqa: F401
from ochredb.api.models.Collection import Collection  # noqa: F401

AdminAPI = AdminClient

__all__ = ["AdminAPI", "AdminClient", "ClientAPI", "Collection"]
