#!/usr/bin/env python3
"""Writes an `ochre export` file (docs/format/export.md) for scripts/tests.d/copy.sh: two
collections (cosine with an embedding-function descriptor and metadata; l2 empty-metadata), records
with every metadata type (int, float, bool, str, arrays), documents, uris and missing values, and
float32 values whose bits would not survive a float/double slip (subnormals, -0.0, 1/3)."""
import base64, json, random, struct, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
rnd = random.Random(12)
print(json.dumps({"format": "ochre-export", "version": 1}))
specs = [("copy_cos", "cosine", {"ef": {"type": "known", "name": "ochre_hashing", "config": {}}}, {"k": 1.5, "s": "t"}),
         ("copy_l2", "l2", {}, None)]
for name, space, extra, meta in specs:
    cfg = {"hnsw": {"space": space}, "embedding_function": extra.get("ef")}
    print(json.dumps({"type": "collection", "tenant": "default_tenant", "database": "default_database",
                      "name": name, "configuration": cfg, "metadata": meta}))
    for i in range(n):
        v = [rnd.uniform(-1, 1) for _ in range(8)]
        if i == 0:
            v[:3] = [1e-45, -0.0, 1 / 3]
        md = None
        if i % 2:
            md = {"i": i, "f": 1.0, "b": i % 4 == 1, "s": "x%d" % i}
            if i % 6 == 1:
                md.update({"ai": [1, 2], "af": [0.5, 2.0], "as": ["a", "b"], "ab": [True, False]})
        print(json.dumps({"type": "record", "id": "%s-%05d" % (name, i),
                          "embedding": base64.b64encode(struct.pack("<8f", *v)).decode(),
                          "document": "doc %d" % i if i % 3 else None, "metadata": md,
                          "uri": "file://u%d" % i if i % 5 == 0 else None}))
