#!/usr/bin/env python3
"""Checks that the Python example project is complete: its files exist, compile, and the package
they import exposes chromadb's entry points. Exits non-zero listing what is missing."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

REQUIRED = [
    "examples/python/persistent_client_demo.py",
    "examples/python/examples.py",
    "examples/python/test_structure.py",
    "examples/python/_common.py",
    "examples/python/README.md",
    "bindings/python/CMakeLists.txt",
    "bindings/python/ochredb/__init__.py",
    "bindings/python/ochredb/errors.py",
    "bindings/python/ochredb/config.py",
    "bindings/python/ochredb/api/client.py",
    "bindings/python/ochredb/api/types.py",
    "bindings/python/ochredb/api/models/Collection.py",
    "bindings/python/ochredb/utils/embedding_functions/__init__.py",
    "bindings/python/tests/conftest.py",
    "docs/python.md",
    "pyproject.toml",
    "setup.py",
]
ENTRY_POINTS = [
    "PersistentClient",
    "EphemeralClient",
    "Client",
    "AdminClient",
    "Settings",
    "Collection",
    "EmbeddingFunction",
    "errors",
]


def main() -> int:
    problems = []
    for rel in REQUIRED:
        path = os.path.join(ROOT, rel)
        if not os.path.isfile(path):
            problems.append(f"missing: {rel}")
        elif rel.endswith(".py"):
            try:
                with open(path, encoding="utf-8") as f:
                    compile(f.read(), path, "exec")
            except SyntaxError as e:
                problems.append(f"does not compile: {rel}: {e}")
    sys.path.insert(0, HERE)
    from _common import import_ochredb

    try:
        ochredb = import_ochredb()
        problems += [f"ochredb lacks {name}" for name in ENTRY_POINTS if not hasattr(ochredb, name)]
        from ochredb.utils import embedding_functions

        if not hasattr(embedding_functions, "DefaultEmbeddingFunction"):
            problems.append("ochredb.utils.embedding_functions lacks DefaultEmbeddingFunction")
    except ImportError as e:
        problems.append(f"cannot import ochredb: {e}")
    for p in problems:
        print(f"  [FAIL] {p}")
    print(f"  {len(REQUIRED)} files and {len(ENTRY_POINTS)} entry points checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
