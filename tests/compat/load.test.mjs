// A bounded load test on loopback: 8 concurrent official clients mixing queries, gets and writes
// for LOAD_SECONDS (default 20). No request may fail, and every acknowledged id must be readable
// afterwards. No timing assertions: the figures are printed, not checked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChromaClient } from "chromadb";
import { startServer } from "./lib/harness.mjs";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const CLIENTS = 8;
const DIM = 32;

// A seeded generator, so that a failing run can be replayed.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const vec = (r) => Array.from({ length: DIM }, () => r() * 2 - 1);

test(`${CLIENTS} clients mixing queries and writes for ${SECONDS}s`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const server = await startServer();
  try {
    const setup = new ChromaClient({ host: "127.0.0.1", port: server.port });
    const col = await setup.createCollection({ name: "load", embeddingFunction: null });
    const seed = setup ? 42 : 0;
    const r0 = rng(seed);
    const base = Array.from({ length: 2000 }, (_, i) => `seed-${i}`);
    for (let i = 0; i < base.length; i += 500) {
      const ids = base.slice(i, i + 500);
      await col.add({ ids, embeddings: ids.map(() => vec(r0)), metadatas: ids.map((_, j) => ({ g: (i + j) % 10 })) });
    }
    const acked = new Set(base);
    const deadline = Date.now() + SECONDS * 1000;
    const counts = { query: 0, get: 0, add: 0, upsert: 0, errors: [] };

    async function worker(w) {
      const client = new ChromaClient({ host: "127.0.0.1", port: server.port });
      const c = await client.getCollection({ name: "load", embeddingFunction: null });
      const r = rng(1000 + w);
      let n = 0;
      while (Date.now() < deadline) {
        const op = r();
        try {
          if (op < 0.45) {
            const q = await c.query({ queryEmbeddings: [vec(r)], nResults: 10, where: r() < 0.3 ? { g: Math.floor(r() * 10) } : undefined });
            assert.ok(q.ids[0].length > 0);
            counts.query++;
          } else if (op < 0.6) {
            const some = [...base.slice(0, 5)];
            const g = await c.get({ ids: some });
            assert.equal(g.ids.length, some.length);
            counts.get++;
          } else if (op < 0.9) {
            const ids = Array.from({ length: 50 }, (_, i) => `w${w}-${n}-${i}`);
            n++;
            await c.add({ ids, embeddings: ids.map(() => vec(r)), metadatas: ids.map(() => ({ g: Math.floor(r() * 10) })) });
            for (const id of ids) acked.add(id);
            counts.add++;
          } else {
            const ids = [`up-${w}-${Math.floor(r() * 20)}`];
            await c.upsert({ ids, embeddings: [vec(r)], documents: ["u"] });
            for (const id of ids) acked.add(id);
            counts.upsert++;
          }
        } catch (e) {
          counts.errors.push(`${w}: ${e.name}: ${e.message}`);
        }
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
    console.log(`load: ${JSON.stringify({ ...counts, errors: counts.errors.length })}, ${acked.size} acknowledged ids`);
    assert.deepEqual(counts.errors, []);

    const all = [...acked];
    let found = 0;
    for (let i = 0; i < all.length; i += 1000) {
      const got = await col.get({ ids: all.slice(i, i + 1000), include: [] });
      found += got.ids.length;
    }
    assert.equal(found, all.length, "every acknowledged id is readable");
    assert.equal(await col.count(), all.length);
    assert.equal(await server.stop(), 0, server.stderr());
  } finally {
    await server.destroy();
  }
});
