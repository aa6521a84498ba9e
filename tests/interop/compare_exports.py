#!/usr/bin/env python3
"""compare_exports.py A B [--cosine-ulps N]: two `ochre export` files hold the same collections
(configuration, metadata) and records (ids, documents, metadata with JSON types, uris) exactly, and
the same float32 embeddings bit for bit, except that in cosine collections each value may differ by
N units in the last place: Chroma 1.4.4 returns cosine embeddings a few ulps off what was added (2 seen; it normalises
them for its index)
(seen with l2 bit-exact through the same client; ours -> `ochre run` -> ours is bit-exact)."""
import base64, json, struct, sys

a, b = sys.argv[1], sys.argv[2]
ulps = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--cosine-ulps" else 0
la, lb = open(a).read().splitlines(), open(b).read().splitlines()
assert len(la) == len(lb), f"{len(la)} lines vs {len(lb)}"
space, worst = None, 0
for n, (x, y) in enumerate(zip(la, lb), 1):
    jx, jy = json.loads(x), json.loads(y)
    if jx.get("type") == "collection":
        space = jx["configuration"]["hnsw"]["space"]
    if jx.get("type") == "record":
        ex, ey = jx.pop("embedding"), jy.pop("embedding")
        if ex != ey:
            bx, by = base64.b64decode(ex), base64.b64decode(ey)
            assert len(bx) == len(by), f"line {n}: dimensions differ"
            ix = struct.unpack(f"<{len(bx)//4}i", bx)
            iy = struct.unpack(f"<{len(by)//4}i", by)
            d = max(abs(p - q) for p, q in zip(ix, iy))
            worst = max(worst, d)
            assert space == "cosine" and d <= ulps, f"line {n} ({jx['id']}, {space}): embeddings differ by {d} ulps"
    assert json.dumps(jx, sort_keys=True) == json.dumps(jy, sort_keys=True), f"line {n}: {x[:200]} != {y[:200]}"
print(f"same records; largest embedding difference {worst} ulps (cosine only)")
