// Client and collection-management methods of Chroma's official JS client against `ochre run`.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  ChromaClient,
  ChromaClientError,
  ChromaNotFoundError,
  ChromaUniqueError,
} from "chromadb";
import { startServer } from "./lib/harness.mjs";

let server;
let client;

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
});

describe("server", () => {
  test("heartbeat is a positive number", async () => {
    assert.ok((await client.heartbeat()) > 0);
  });
  test("version is semver", async () => {
    assert.match(await client.version(), /^\d+\.\d+\.\d+$/);
  });
  test("pre-flight checks", async () => {
    const pf = await client.getPreflightChecks();
    assert.equal(pf.supports_base64_encoding, true);
    assert.ok(pf.max_batch_size > 0);
    assert.equal(await client.getMaxBatchSize(), pf.max_batch_size);
    assert.equal(await client.supportsBase64Encoding(), true);
  });
  test("user identity", async () => {
    const id = await client.getUserIdentity();
    assert.equal(id.user_id, "");
    assert.equal(id.tenant, "default_tenant");
    assert.deepEqual(id.databases, ["default_database"]);
  });
  test("reset empties the collection list", async () => {
    await client.createCollection({ name: "before-reset", embeddingFunction: null });
    assert.equal((await client.listCollections()).length, 1);
    await client.reset();
    assert.equal((await client.listCollections()).length, 0);
  });
});

describe("collections", () => {
  test("create, list, count, get, getOrCreate, delete", async () => {
    assert.equal((await client.listCollections()).length, 0);
    assert.equal(await client.countCollections(), 0);
    const c = await client.createCollection({ name: "test", metadata: { a: 1, b: "x" }, embeddingFunction: null });
    assert.equal(c.name, "test");
    assert.deepEqual(c.metadata, { a: 1, b: "x" });
    assert.equal(await client.countCollections(), 1);
    const list = await client.listCollections();
    assert.deepEqual(list.map((x) => x.name), ["test"]);
    const got = await client.getCollection({ name: "test", embeddingFunction: null });
    assert.equal(got.id, c.id);
    const again = await client.getOrCreateCollection({ name: "test", metadata: { other: true }, embeddingFunction: null });
    assert.equal(again.id, c.id);
    assert.deepEqual(again.metadata, { a: 1, b: "x" }, "getOrCreate leaves the existing collection unchanged");
    const byId = await client.getCollectionById(c.id);
    assert.equal(byId.name, "test");
    await client.deleteCollection({ name: "test" });
    assert.equal(await client.countCollections(), 0);
  });

  test("list is ordered by id, with limit and offset", async () => {
    for (const n of ["c-one", "c-two", "c-three", "c-four"]) await client.createCollection({ name: n, embeddingFunction: null });
    const all = await client.listCollections();
    const ids = all.map((c) => c.id);
    assert.deepEqual(ids, [...ids].sort());
    const page = await client.listCollections({ limit: 2, offset: 1 });
    assert.deepEqual(page.map((c) => c.id), ids.slice(1, 3));
  });

  test("a taken name is ChromaUniqueError", async () => {
    await client.createCollection({ name: "dup", embeddingFunction: null });
    await assert.rejects(client.createCollection({ name: "dup", embeddingFunction: null }), ChromaUniqueError);
  });

  test("missing collections are ChromaNotFoundError", async () => {
    await assert.rejects(client.getCollection({ name: "nope" }), ChromaNotFoundError);
    await assert.rejects(client.getCollectionById("00000000-0000-4000-8000-000000000000"), ChromaNotFoundError);
    await assert.rejects(client.deleteCollection({ name: "nope" }), ChromaNotFoundError);
  });

  test("invalid names are ChromaClientError with Chroma's message", async () => {
    await assert.rejects(client.createCollection({ name: "ab", embeddingFunction: null }), (e) => {
      assert.ok(e instanceof ChromaClientError, e.constructor.name);
      assert.match(e.message, /Expected a name containing 3-512 characters/);
      return true;
    });
  });

  test("modify name and metadata", async () => {
    const c = await client.createCollection({ name: "old-name", metadata: { v: 1 }, embeddingFunction: null });
    await c.modify({ name: "new-name" });
    let fresh = await client.getCollection({ name: "new-name", embeddingFunction: null });
    assert.equal(fresh.id, c.id);
    assert.deepEqual(fresh.metadata, { v: 1 });
    await c.modify({ metadata: { v: 2, w: "x" } });
    fresh = await client.getCollection({ name: "new-name", embeddingFunction: null });
    assert.deepEqual(fresh.metadata, { v: 2, w: "x" });
    await assert.rejects(client.getCollection({ name: "old-name" }), ChromaNotFoundError);
  });

  test("configuration_json echoes hnsw defaults and modify(ef_search)", async () => {
    const c = await client.createCollection({
      name: "configured",
      configuration: { hnsw: { ef_search: 50, max_neighbors: 24 } },
      embeddingFunction: null,
    });
    const hnsw = c.configuration.hnsw;
    assert.equal(hnsw.space, "l2");
    assert.equal(hnsw.ef_construction, 100);
    assert.equal(hnsw.ef_search, 50);
    assert.equal(hnsw.max_neighbors, 24);
    assert.equal(c.configuration.embedding_function, null);
    await c.modify({ configuration: { hnsw: { ef_search: 77 } } });
    const fresh = await client.getCollection({ name: "configured", embeddingFunction: null });
    assert.equal(fresh.configuration.hnsw.ef_search, 77);
    assert.equal(fresh.configuration.hnsw.max_neighbors, 24);
  });

  test("ef_construction -1 is rejected", async () => {
    await assert.rejects(
      client.createCollection({ name: "bad-config", configuration: { hnsw: { ef_construction: -1 } }, embeddingFunction: null }),
    );
  });

  test("space from metadata hnsw:space, and configuration beats metadata", async () => {
    const a = await client.createCollection({ name: "meta-space", metadata: { "hnsw:space": "ip" }, embeddingFunction: null });
    assert.equal(a.configuration.hnsw.space, "ip");
    const b = await client.createCollection({
      name: "config-space",
      metadata: { "hnsw:space": "ip" },
      configuration: { hnsw: { space: "cosine" } },
      embeddingFunction: null,
    });
    assert.equal(b.configuration.hnsw.space, "cosine");
  });

  test("the embedding function descriptor the client sends is stored and returned", async () => {
    const ef = { name: "my_ef", generate: async (t) => t.map(() => [1, 2]), getConfig: () => ({ dim: 2 }) };
    const c = await client.createCollection({ name: "with-ef", embeddingFunction: ef });
    const raw = await (await fetch(`${server.url}/api/v2/tenants/default_tenant/databases/default_database/collections/with-ef`)).json();
    // The client sends custom (unregistered) functions as {"type":"legacy"}; the server stores it as sent.
    assert.deepEqual(raw.configuration_json.embedding_function, { type: "legacy" });
    assert.equal(c.name, "with-ef");
  });

  test("collection(id) handle works without fetching", async () => {
    const c = await client.createCollection({ name: "handle", embeddingFunction: null });
    const h = client.collection(c.id);
    await h.add({ ids: ["a"], embeddings: [[1, 2, 3]] });
    assert.equal(await h.count(), 1);
    const got = await h.get({ include: ["embeddings"] });
    assert.deepEqual(got.embeddings, [[1, 2, 3]]);
  });
});
