// Record methods of Chroma's official JS client against `ochre run`: add, get, update, upsert,
// delete, count, peek, query; every filter operator; includes; limit/offset; errors.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ChromaClient, ChromaClientError, ChromaNotFoundError, ChromaValueError } from "chromadb";
import { COLLECTIONS, LetterEmbedding, rawRequest, startServer } from "./lib/harness.mjs";

let server;
let client;
let col;

const IDS = ["r1", "r2", "r3", "r4", "r5"];
const EMB = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
  [0.5, 0.5, 0.5],
];
const DOCS = ["the quick brown fox", "jumps over", "the lazy dog", "Cat in the hat", "nothing here"];
const METAS = [
  { int_value: 1, float_value: -2, str: "a", flag: true, tags: ["red", "blue"] },
  { int_value: 2, float_value: 0, str: "b", flag: false, tags: ["green"] },
  { int_value: 3, float_value: 2, str: "c", flag: true, nums: [1, 2, 3] },
  { int_value: 4, float_value: 2.5, str: "d" },
  { other: "x" },
];

before(async () => {
  server = await startServer();
  client = new ChromaClient({ host: "127.0.0.1", port: server.port });
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});
beforeEach(async () => {
  await client.reset();
  col = await client.createCollection({ name: "records", embeddingFunction: null });
  await col.add({ ids: IDS, embeddings: EMB, documents: DOCS, metadatas: METAS });
});

async function whereIds(where, whereDocument) {
  const r = await col.get({ where, whereDocument });
  return r.ids;
}

describe("writes", () => {
  test("add then get everything back (base64 embeddings round trip exactly)", async () => {
    const r = await col.get({ include: ["embeddings", "documents", "metadatas", "uris"] });
    assert.deepEqual(r.ids, IDS);
    assert.deepEqual(r.embeddings, EMB);
    assert.deepEqual(r.documents, DOCS);
    assert.deepEqual(r.metadatas, METAS);
    assert.deepEqual(r.uris, [null, null, null, null, null]);
    assert.deepEqual([...r.include].sort(), ["documents", "embeddings", "metadatas", "uris"]);
  });

  test("float (non-base64) embeddings over raw HTTP", async () => {
    const add = await rawRequest(server.port, {
      method: "POST",
      path: `${COLLECTIONS}/${col.id}/add`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ids: ["f1"], embeddings: [[0.25, -1.5, 3]], documents: ["float"] }),
    });
    assert.equal(add.status, 201);
    assert.deepEqual(add.json, {});
    const r = await col.get({ ids: ["f1"], include: ["embeddings"] });
    assert.deepEqual(r.embeddings, [[0.25, -1.5, 3]]);
  });

  test("count and peek", async () => {
    assert.equal(await col.count(), 5);
    const p = await col.peek({ limit: 2 });
    assert.deepEqual(p.ids, ["r1", "r2"]);
  });

  test("adding an existing id is ignored", async () => {
    await col.add({ ids: ["r1"], embeddings: [[9, 9, 9]], documents: ["changed"] });
    const r = await col.get({ ids: ["r1"] });
    assert.deepEqual(r.documents, ["the quick brown fox"]);
  });

  test("update merges metadata and replaces documents", async () => {
    await col.update({ ids: ["r1"], metadatas: [{ str: "z", extra: 5 }], documents: ["new doc"], embeddings: [[1, 0, 0]] });
    const r = await col.get({ ids: ["r1"] });
    assert.deepEqual(r.documents, ["new doc"]);
    assert.deepEqual(r.metadatas[0], { ...METAS[0], str: "z", extra: 5 });
  });

  test("update with embeddings; missing ids are ignored", async () => {
    await col.update({ ids: ["r2", "missing"], embeddings: [[7, 7, 7], [8, 8, 8]] });
    const r = await col.get({ ids: ["r2", "missing"], include: ["embeddings"] });
    assert.deepEqual(r.ids, ["r2"]);
    assert.deepEqual(r.embeddings, [[7, 7, 7]]);
  });

  test("upsert inserts and updates, keeping get order", async () => {
    await col.upsert({ ids: ["r2", "r6"], embeddings: [[0, 2, 0], [6, 6, 6]], metadatas: [{ up: 1 }, { up: 2 }] });
    const r = await col.get({});
    assert.deepEqual(r.ids, [...IDS, "r6"]);
    assert.equal(r.metadatas[1].up, 1);
    assert.equal(r.metadatas[1].str, "b");
  });

  test("delete by ids, by where, with limit", async () => {
    await col.delete({ ids: ["r1"] });
    assert.equal(await col.count(), 4);
    await col.delete({ where: { str: "b" } });
    assert.deepEqual((await col.get({})).ids, ["r3", "r4", "r5"]);
    await col.delete({ where: { int_value: { $gte: 3 } }, limit: 1 });
    assert.equal(await col.count(), 2);
  });

  test("dimension mismatch is a client error naming the dimension", async () => {
    await assert.rejects(col.add({ ids: ["bad"], embeddings: [[1, 2]] }), (e) => {
      assert.ok(e instanceof ChromaClientError, e.constructor.name);
      assert.match(e.message, /dimension/);
      return true;
    });
  });

  test("duplicate ids in a batch are refused by the client", async () => {
    await assert.rejects(col.add({ ids: ["x", "x"], embeddings: [[1, 2, 3], [1, 2, 3]] }), ChromaValueError);
  });

  test("a deleted collection rejects every record call", async () => {
    await client.deleteCollection({ name: "records" });
    await assert.rejects(col.add({ ids: ["z"], embeddings: [[1, 2, 3]] }), ChromaNotFoundError);
    await assert.rejects(col.get({}), ChromaNotFoundError);
    await assert.rejects(col.count(), ChromaNotFoundError);
    await assert.rejects(col.query({ queryEmbeddings: [[1, 2, 3]] }), ChromaNotFoundError);
    await assert.rejects(col.delete({ ids: ["r1"] }), ChromaNotFoundError);
  });
});

describe("get", () => {
  test("ids come back in insertion order, not request order", async () => {
    assert.deepEqual((await col.get({ ids: ["r3", "r1"] })).ids, ["r1", "r3"]);
  });
  test("limit and offset", async () => {
    assert.deepEqual((await col.get({ limit: 2 })).ids, ["r1", "r2"]);
    assert.deepEqual((await col.get({ limit: 2, offset: 2 })).ids, ["r3", "r4"]);
    assert.deepEqual((await col.get({ offset: 4 })).ids, ["r5"]);
  });
  test("default include is documents and metadatas; others null", async () => {
    const r = await col.get({ ids: ["r1"] });
    assert.deepEqual(r.documents, ["the quick brown fox"]);
    assert.deepEqual(r.embeddings, []);
    const raw = await rawRequest(server.port, {
      method: "POST",
      path: `${COLLECTIONS}/${col.id}/get`,
      body: JSON.stringify({ ids: ["r1"] }),
    });
    assert.equal(raw.json.embeddings, null);
    assert.equal(raw.json.uris, null);
    assert.deepEqual(raw.json.include, ["documents", "metadatas"]);
  });
  test("rows()", async () => {
    const rows = (await col.get({ ids: ["r2"] })).rows();
    assert.equal(rows[0].id, "r2");
    assert.equal(rows[0].document, "jumps over");
  });
});

describe("where operators", () => {
  test("$eq (and the literal shorthand) on strings, ints, floats, bools", async () => {
    assert.deepEqual(await whereIds({ str: "c" }), ["r3"]);
    assert.deepEqual(await whereIds({ int_value: { $eq: 2 } }), ["r2"]);
    assert.deepEqual(await whereIds({ float_value: 2.5 }), ["r4"]);
    assert.deepEqual(await whereIds({ flag: true }), ["r1", "r3"]);
  });
  test("$ne also matches records without the key", async () => {
    assert.deepEqual(await whereIds({ str: { $ne: "a" } }), ["r2", "r3", "r4", "r5"]);
  });
  test("$gt $gte $lt $lte compare ints and floats across types", async () => {
    assert.deepEqual(await whereIds({ float_value: { $gt: -1.4 } }), ["r2", "r3", "r4"]);
    assert.deepEqual(await whereIds({ int_value: { $gte: 3 } }), ["r3", "r4"]);
    assert.deepEqual(await whereIds({ int_value: { $lt: 2.5 } }), ["r1", "r2"]);
    assert.deepEqual(await whereIds({ float_value: { $lte: 0 } }), ["r1", "r2"]);
  });
  test("$in and $nin", async () => {
    assert.deepEqual(await whereIds({ str: { $in: ["a", "d"] } }), ["r1", "r4"]);
    assert.deepEqual(await whereIds({ int_value: { $nin: [1, 2] } }), ["r3", "r4", "r5"]);
  });
  test("$contains and $not_contains on array metadata", async () => {
    assert.deepEqual(await whereIds({ tags: { $contains: "green" } }), ["r2"]);
    assert.deepEqual(await whereIds({ nums: { $contains: 2 } }), ["r3"]);
    assert.deepEqual(await whereIds({ tags: { $not_contains: "red" } }), ["r2", "r3", "r4", "r5"]);
  });
  test("$and and $or", async () => {
    assert.deepEqual(await whereIds({ $and: [{ flag: true }, { int_value: { $gt: 1 } }] }), ["r3"]);
    assert.deepEqual(await whereIds({ $or: [{ str: "a" }, { other: "x" }] }), ["r1", "r5"]);
  });
  test("an invalid where is a client error", async () => {
    await assert.rejects(
      rawRequest(server.port, {
        method: "POST",
        path: `${COLLECTIONS}/${col.id}/get`,
        body: JSON.stringify({ where: { str: { $gt: "a" } } }),
      }).then((r) => {
        if (r.status !== 400 || r.json.error !== "InvalidArgumentError") throw new Error("accepted");
        throw new Error(r.json.message);
      }),
      /where/i,
    );
  });
});

describe("where_document operators", () => {
  test("$contains is a case-sensitive substring test", async () => {
    assert.deepEqual(await whereIds(undefined, { $contains: "the" }), ["r1", "r3", "r4"]);
    assert.deepEqual(await whereIds(undefined, { $contains: "Cat" }), ["r4"]);
  });
  test("$not_contains also matches records without a document", async () => {
    assert.deepEqual(await whereIds(undefined, { $not_contains: "the" }), ["r2", "r5"]);
  });
  test("$regex and $not_regex", async () => {
    assert.deepEqual(await whereIds(undefined, { $regex: "(?i)^cat" }), ["r4"]);
    assert.deepEqual(await whereIds(undefined, { $not_regex: "o" }), ["r4"]);
  });
  test("$and / $or, combined with where", async () => {
    assert.deepEqual(await whereIds(undefined, { $and: [{ $contains: "the" }, { $contains: "dog" }] }), ["r3"]);
    assert.deepEqual(await whereIds(undefined, { $or: [{ $contains: "fox" }, { $contains: "hat" }] }), ["r1", "r4"]);
    assert.deepEqual(await whereIds({ flag: true }, { $contains: "the" }), ["r1", "r3"]);
  });
});

describe("query", () => {
  test("nearest neighbours with distances (squared l2), sorted", async () => {
    const r = await col.query({ queryEmbeddings: [[1, 0, 0]], nResults: 3 });
    assert.deepEqual(r.ids, [["r1", "r5", "r4"]]);
    assert.ok(Math.abs(r.distances[0][0]) < 1e-6);
    assert.ok(Math.abs(r.distances[0][1] - 0.75) < 1e-5);
    assert.ok(Math.abs(r.distances[0][2] - 1) < 1e-5);
    assert.deepEqual(r.documents, [["the quick brown fox", "nothing here", "Cat in the hat"]]);
  });
  test("several query vectors; include embeddings", async () => {
    const r = await col.query({ queryEmbeddings: [[0, 1, 0], [0, 0, 1]], nResults: 1, include: ["embeddings"] });
    assert.deepEqual(r.ids, [["r2"], ["r3"]]);
    assert.deepEqual(r.embeddings, [[[0, 1, 0]], [[0, 0, 1]]]);
  });
  test("n_results larger than the collection returns what there is", async () => {
    const r = await col.query({ queryEmbeddings: [[1, 0, 0]], nResults: 50 });
    assert.equal(r.ids[0].length, 5);
  });
  test("where, whereDocument and ids filters", async () => {
    let r = await col.query({ queryEmbeddings: [[1, 0, 0]], nResults: 5, where: { int_value: { $in: [2, 3] } } });
    assert.deepEqual([...r.ids[0]].sort(), ["r2", "r3"]);
    r = await col.query({ queryEmbeddings: [[1, 0, 0]], nResults: 5, whereDocument: { $contains: "the" } });
    assert.deepEqual(r.ids[0], ["r1", "r4", "r3"]);
    r = await col.query({ queryEmbeddings: [[1, 0, 0]], nResults: 5, ids: ["r2", "r3"] });
    assert.deepEqual([...r.ids[0]].sort(), ["r2", "r3"]);
  });
  test("ids naming a deleted record reject", async () => {
    await col.delete({ ids: ["r2"] });
    await assert.rejects(col.query({ queryEmbeddings: [[1, 0, 0]], ids: ["r2"] }));
  });
  test("queryTexts through a client-side embedding function", async () => {
    const ef = new LetterEmbedding();
    const tc = await client.createCollection({ name: "texts", embeddingFunction: ef });
    await tc.add({ ids: ["a", "b"], documents: ["aaaa", "zzzz"] });
    const r = await tc.query({ queryTexts: ["aaab"], nResults: 1 });
    assert.deepEqual(r.ids, [["a"]]);
  });
  test("an empty collection answers empty lists", async () => {
    const empty = await client.createCollection({ name: "empty", embeddingFunction: null });
    const r = await empty.query({ queryEmbeddings: [[1, 2, 3]], nResults: 3 });
    assert.deepEqual(r.ids, [[]]);
  });
  test("cosine and ip spaces", async () => {
    const cos = await client.createCollection({ name: "cos", configuration: { hnsw: { space: "cosine" } }, embeddingFunction: null });
    await cos.add({ ids: ["a", "b"], embeddings: [[2, 0], [0, 3]] });
    let r = await cos.query({ queryEmbeddings: [[5, 0]], nResults: 2 });
    assert.deepEqual(r.ids, [["a", "b"]]);
    assert.ok(Math.abs(r.distances[0][0]) < 1e-5 && Math.abs(r.distances[0][1] - 1) < 1e-5);
    const got = await cos.get({ ids: ["a"], include: ["embeddings"] });
    assert.deepEqual(got.embeddings, [[2, 0]], "cosine keeps the original vector");
    const ip = await client.createCollection({ name: "ip-space", configuration: { hnsw: { space: "ip" } }, embeddingFunction: null });
    await ip.add({ ids: ["a"], embeddings: [[2, 3]] });
    r = await ip.query({ queryEmbeddings: [[2, 3]], nResults: 1 });
    assert.ok(Math.abs(r.distances[0][0] - (1 - 13)) < 1e-5);
  });
});
