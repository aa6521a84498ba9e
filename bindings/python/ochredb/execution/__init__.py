"""chromadb's ``chromadb.execution``: the Search API's expressions (``execution.expression``)."""
