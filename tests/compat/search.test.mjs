// The Search API (POST .../collections/{id}/search) through the official JS client's
// collection.search with its Search, K, Knn, Rrf, GroupBy and MinK builders against `ochre run`,
// checked against plain query/get on the same collection; and malformed bodies sent raw, each a 400
// with a clear message that leaves the collection as it was.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ChromaClient, GroupBy, K, Knn, MaxK, MinK, Rrf, Search } from "chromadb";
import { COLLECTIONS, LetterEmbedding, rawRequest, startServer, tempDir } from "./lib/harness.mjs";

let server;
let client;
let collection;
const dataDir = tempDir("ochre-search-");

const WORDS = ["apple", "banana", "cherry", "date", "elder", "fig", "grape", "kiwi", "lemon", "mango"];
const ids = [];
const documents = [];
const metadatas = [];
for (let i = 0; i < 40; i++) {
  ids.push(`id${String(i).padStart(2, "0")}`);
  documents.push(`${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`);
  metadatas.push({ cat: ["a", "b", "c"][i % 3], n: i % 5 });
}
const queryVector = [1, 2, 0, 1, 3, 0, 1, 2];

before(async () => {
  server = await startServer({ dir: dataDir });
  client = new ChromaClient({ host: "127.0.0.1", port: server.port });
  await client.reset();
  collection = await client.createCollection({ name: "search", embeddingFunction: new LetterEmbedding() });
  await collection.add({ ids, documents, metadatas });
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});

const close = (a, b) => Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b));

describe("collection.search", () => {
  test("a dense Knn ranks as query does, with the selected columns", async () => {
    const q = await collection.query({ queryEmbeddings: [queryVector], nResults: 5, include: ["distances", "documents"] });
    const r = await collection.search(
      new Search().rank(Knn({ query: queryVector, limit: 10 })).limit(5).select(K.DOCUMENT, K.SCORE, "cat"),
    );
    assert.deepEqual(r.ids, q.ids);
    assert.deepEqual(r.documents, q.documents);
    r.scores[0].forEach((s, i) => assert.ok(close(s, q.distances[0][i]), `${s} vs ${q.distances[0][i]}`));
    assert.equal(r.embeddings[0], null);
    assert.deepEqual(r.select, [["#document", "#score", "cat"]]);
    const rows = r.rows()[0];
    assert.equal(rows.length, 5);
    assert.deepEqual(Object.keys(rows[0]).sort(), ["document", "id", "metadata", "score"]);
    assert.deepEqual(Object.keys(rows[0].metadata), ["cat"]);
  });

  test("where with metadata, #id and #document clauses filters the candidates", async () => {
    const allowed = ids.slice(0, 20);
    const r = await collection.search(
      new Search()
        .where(K("cat").eq("a").and(K.ID.isIn(allowed)).and(K.DOCUMENT.contains("a")))
        .rank(Knn({ query: queryVector, limit: 40 }))
        .select(K.METADATA, K.DOCUMENT),
    );
    assert.ok(r.ids[0].length > 0);
    for (let i = 0; i < r.ids[0].length; i++) {
      assert.equal(r.metadatas[0][i].cat, "a");
      assert.ok(allowed.includes(r.ids[0][i]));
      assert.ok(r.documents[0][i].includes("a"));
    }
    const q = await collection.query({
      queryEmbeddings: [queryVector],
      nResults: 40,
      ids: allowed,
      where: { cat: "a" },
      whereDocument: { $contains: "a" },
      include: [],
    });
    assert.deepEqual(r.ids, q.ids);
  });

  test("without a rank: insertion order, offset and limit, no scores", async () => {
    const r = await collection.search(new Search().where(K("n").gt(2)).limit(4, 2).select(K.SCORE));
    const g = await collection.get({ where: { n: { $gt: 2 } }, limit: 4, offset: 2 });
    assert.deepEqual(r.ids[0], g.ids);
    assert.deepEqual(r.scores[0], [null, null, null, null]);
  });

  test("Rrf fuses two Knns; group_by keeps the best per group", async () => {
    const other = [0, 1, 3, 0, 0, 2, 1, 0];
    const rrf = Rrf({
      ranks: [Knn({ query: queryVector, limit: 20, returnRank: true }), Knn({ query: other, limit: 20, returnRank: true })],
      k: 60,
    });
    const r = await collection.search(new Search().rank(rrf).limit(10).select(K.SCORE));
    assert.equal(r.ids[0].length, 10);
    for (let i = 1; i < 10; i++) assert.ok(r.scores[0][i - 1] <= r.scores[0][i]);
    assert.ok(r.scores[0][0] < 0); // -sum(w / (k + rank))

    const grouped = await collection.search(
      new Search()
        .rank(Knn({ query: queryVector, limit: 40 }))
        .groupBy(new GroupBy([K("cat")], new MinK([K.SCORE], 2)))
        .select(K.SCORE, "cat"),
    );
    const cats = grouped.metadatas[0].map((m) => m.cat);
    assert.equal(cats.length, 6);
    for (const c of ["a", "b", "c"]) assert.equal(cats.filter((x) => x === c).length, 2);
    const maxed = await collection.search(
      new Search()
        .rank(Knn({ query: queryVector, limit: 40 }))
        .groupBy(new GroupBy([K("cat")], new MaxK([K("n")], 1)))
        .select("n"),
    );
    assert.deepEqual(
      maxed.metadatas[0].map((m) => m.n),
      [4, 4, 4],
    );
  });

  test("a batch answers each search in order; a text query is embedded by the client", async () => {
    const text = "banana cherry";
    const r = await collection.search([
      new Search().rank(Knn({ query: text, limit: 3 })).limit(3),
      new Search().where(K.ID.isIn(["id05", "id01"])),
    ]);
    const q = await collection.query({ queryTexts: [text], nResults: 3, include: [] });
    assert.equal(r.ids.length, 2);
    assert.deepEqual(r.ids[0], q.ids[0]);
    assert.deepEqual(r.ids[1], ["id01", "id05"]);
  });
});

describe("bad search requests over HTTP", () => {
  test("each gets a 400 with a clear message and changes nothing", async () => {
    const path = `${COLLECTIONS}/${collection.id}/search`;
    const cases = [
      ["{", "not valid JSON"],
      [`{"searches": []}`, "At least one search payload"],
      [`{"searches": [{"rank": {"$nope": 1}}]}`, "unknown operator $nope"],
      [`{"searches": [{"rank": {"$knn": {"query": [1, 2]}}}]}`, "dimension"],
      [`{"searches": [{"rank": {"$knn": {"query": [1, 2, 3, 4, 5, 6, 7, 8], "key": "cat"}}}]}`, "dense query"],
      [`{"searches": [{"rank": {"$knn": {"query": [1, 2, 3, 4, 5, 6, 7, 8], "limit": 9999999999}}}]}`, "4294967295"],
      [`{"searches": [{"limit": {"offset": -1}}]}`, "4294967295"],
      [`{"searches": [{"filter": {"n": {"$gt": "x"}}}]}`, "Invalid where clause"],
      [`{"searches": [{"group_by": {"keys": ["cat"], "aggregate": {"$min_k": {"keys": ["#score"], "k": 1}}}}]}`, "requires rank"],
      [`{"searches": [{"rank": {"$val": 1}, "select": {"keys": [3]}}]}`, "key name"],
    ];
    for (const [body, needle] of cases) {
      const r = await rawRequest(server.port, { method: "POST", path, headers: { "content-type": "application/json" }, body });
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.ok(r.json?.message?.includes(needle), `${body}: ${r.text}`);
    }
    assert.equal(await collection.count(), ids.length);
    const missing = await rawRequest(server.port, {
      method: "POST",
      path: `${COLLECTIONS}/00000000-0000-4000-8000-000000000000/search`,
      body: `{"searches": [{}]}`,
    });
    assert.equal(missing.status, 404, missing.text);
    const get = await rawRequest(server.port, { method: "GET", path });
    assert.equal(get.status, 405, get.text);
  });
});
