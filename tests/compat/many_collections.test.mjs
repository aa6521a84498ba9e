// Issue 16: `ochre run` under a 1,024 open-file limit serves ~1,200 collections, each written and
// queried over HTTP (the engine closes idle collections and reopens them on use), and after a
// restart every record is there.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { startServer, tempDir } from "./lib/harness.mjs";

const N = Number(process.env.MANY_COLLECTIONS ?? 1200);
const BASE = "/api/v2/tenants/default_tenant/databases/default_database/collections";

async function call(server, method, path, body) {
  const r = await fetch(server.url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// In a few parallel lanes, as concurrent clients would.
async function forEach(n, lanes, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

test(`${N} collections under ulimit -n 1024`, async () => {
  const dir = tempDir();
  let server;
  try {
    server = await startServer({ dir, openFiles: 1024 });
    const ids = new Array(N);
    await forEach(N, 4, async (i) => {
      const col = await call(server, "POST", BASE, { name: `many-${i}` });
      ids[i] = col.id;
      await call(server, "POST", `${BASE}/${col.id}/add`, {
        ids: [`a-${i}`, `b-${i}`],
        embeddings: [
          [1, i % 13, 0],
          [0, i % 13, 9],
        ],
      });
    });
    // Back to the first ones (closed long ago): written and queried again.
    await forEach(N, 4, async (i) => {
      await call(server, "POST", `${BASE}/${ids[i]}/upsert`, { ids: [`c-${i}`], embeddings: [[50, 50, 50]] });
      const q = await call(server, "POST", `${BASE}/${ids[i]}/query`, {
        query_embeddings: [[0, i % 13, 9]],
        n_results: 1,
      });
      assert.deepEqual(q.ids, [[`b-${i}`]]);
    });
    assert.equal(await server.stop(), 0, server.stderr());
    server = await startServer({ dir, openFiles: 1024 });
    await forEach(N, 4, async (i) => {
      assert.equal(await call(server, "GET", `${BASE}/${ids[i]}/count`), 3);
    });
    assert.equal(await server.stop(), 0, server.stderr());
  } finally {
    // Stopped before its files go (a failed assertion leaves it running, other lanes writing).
    await server?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
