// Data written through the server survives a graceful stop (SIGTERM → exit 0) and a restart on the
// same directory; SIGINT behaves the same.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { ChromaClient } from "chromadb";
import { startServer, tempDir } from "./lib/harness.mjs";

test("records, collections and databases persist across restarts", async () => {
  const dir = tempDir();
  try {
    let server = await startServer({ dir });
    let client = new ChromaClient({ host: "127.0.0.1", port: server.port });
    const col = await client.createCollection({ name: "durable", metadata: { kept: true }, embeddingFunction: null });
    const ids = Array.from({ length: 300 }, (_, i) => `id-${i}`);
    const embeddings = ids.map((_, i) => [i, i % 7, 1]);
    await col.add({ ids, embeddings, metadatas: ids.map((_, i) => ({ i })) });
    await col.delete({ ids: ["id-0"] });
    assert.equal(await server.stop("SIGTERM"), 0, server.stderr());

    server = await startServer({ dir });
    client = new ChromaClient({ host: "127.0.0.1", port: server.port });
    const again = await client.getCollection({ name: "durable", embeddingFunction: null });
    assert.equal(again.id, col.id);
    assert.deepEqual(again.metadata, { kept: true });
    assert.equal(await again.count(), 299);
    const r = await again.get({ ids: ["id-5"], include: ["embeddings", "metadatas"] });
    assert.deepEqual(r.embeddings, [[5, 5, 1]]);
    assert.deepEqual(r.metadatas, [{ i: 5 }]);
    const q = await again.query({ queryEmbeddings: [[10, 3, 1]], nResults: 1 });
    assert.deepEqual(q.ids, [["id-10"]]);
    await again.add({ ids: ["after-restart"], embeddings: [[1, 1, 1]] });
    assert.equal(await server.stop("SIGINT"), 0, server.stderr());

    server = await startServer({ dir });
    client = new ChromaClient({ host: "127.0.0.1", port: server.port });
    const third = await client.getCollection({ name: "durable", embeddingFunction: null });
    assert.equal(await third.count(), 300);
    assert.equal(await server.stop(), 0, server.stderr());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("two servers on one directory each see the other's writes at once", async () => {
  const dir = tempDir();
  try {
    const first = await startServer({ dir });
    const second = await startServer({ dir });
    try {
      const a = new ChromaClient({ host: "127.0.0.1", port: first.port });
      const b = new ChromaClient({ host: "127.0.0.1", port: second.port });
      const colA = await a.createCollection({ name: "shared-dir", embeddingFunction: null });
      await colA.add({ ids: ["from-a"], embeddings: [[1, 0, 0]] });
      const colB = await b.getCollection({ name: "shared-dir", embeddingFunction: null });
      assert.equal(await colB.count(), 1);
      await colB.add({ ids: ["from-b"], embeddings: [[0, 1, 0]] });
      assert.equal(await colA.count(), 2);
      const q = await colA.query({ queryEmbeddings: [[0, 1, 0]], nResults: 1 });
      assert.deepEqual(q.ids, [["from-b"]]);
    } finally {
      assert.equal(await second.stop(), 0, second.stderr());
      assert.equal(await first.stop(), 0, first.stderr());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGTERM lets an in-flight write finish and answer, then exits 0", async () => {
  const { request } = await import("node:http");
  const s = await startServer();
  try {
    const client = new ChromaClient({ host: "127.0.0.1", port: s.port });
    const col = await client.createCollection({ name: "in-flight", embeddingFunction: null });
    const ids = Array.from({ length: 2000 }, (_, i) => `id-${i}`);
    const body = JSON.stringify({ ids, embeddings: ids.map((_, i) => [i, 1, 2, 3]) });
    const half = Math.floor(body.length / 2);
    // The request is in flight once its headers are in: send half the body, signal, then the rest.
    const answered = new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: s.port,
          method: "POST",
          path: `/api/v2/tenants/default_tenant/databases/default_database/collections/${col.id}/add`,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          agent: false,
        },
        (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode, text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, half));
      setTimeout(() => {
        s.proc.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(half)), 300);
      }, 200);
    });
    const started = performance.now();
    const r = await answered;
    assert.equal(r.status, 201, r.text);
    assert.equal(await s.exited, 0, s.stderr());
    console.log(`stopped ${(performance.now() - started).toFixed(0)} ms after SIGTERM (in-flight write included)`);
    const again = await startServer({ dir: s.dir });
    const c2 = new ChromaClient({ host: "127.0.0.1", port: again.port });
    assert.equal(await (await c2.getCollection({ name: "in-flight", embeddingFunction: null })).count(), 2000);
    await again.stop();
  } finally {
    await s.destroy();
  }
});
