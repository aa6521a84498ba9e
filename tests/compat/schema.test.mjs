// Collection schemas (Chroma 1.4's Schema) through the official JS client against `ochre run`:
// the three tests of Chroma's collection.config.client.test.ts that read the embedding function
// back from a schema, the default schema, keys added as they are written (and kept across a
// restart), modify reaching the schema, and malformed schemas (400, nothing created). With
// CHROMA_URL set (scripts/test-diff.sh), the same requests go to the real Chroma server too and the
// answers are compared.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ChromaClient, Schema, StringInvertedIndexConfig, VectorIndexConfig } from "chromadb";
import { COLLECTIONS, rawRequest, startServer, tempDir } from "./lib/harness.mjs";

// The custom embedding function of Chroma's collection.config.client.test.ts.
class DefaultSpaceCustomEmbeddingFunction {
  constructor(modelName, dim = 3) {
    this._modelName = modelName;
    this._dim = dim;
  }
  name = "default_space_custom_ef";
  async generate(texts) {
    return texts.map(() => Array(this._dim).fill(1.0));
  }
  getConfig() {
    return { model_name: this._modelName, dim: this._dim };
  }
  static buildFromConfig(config) {
    return new DefaultSpaceCustomEmbeddingFunction(config.model_name, config.dim);
  }
  defaultSpace() {
    return this._modelName === "i_want_l2" ? "l2" : this._modelName === "i_want_ip" ? "ip" : "cosine";
  }
  supportedSpaces() {
    return ["cosine", "l2", "ip"];
  }
}

let server;
let client;
const dataDir = tempDir("ochre-schema-");

before(async () => {
  server = await startServer({ dir: dataDir });
  client = new ChromaClient({ host: "127.0.0.1", port: server.port });
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});
beforeEach(async () => {
  await client.reset();
});

async function rawCollection(port, name) {
  const r = await rawRequest(port, { path: `${COLLECTIONS}/${name}` });
  assert.equal(r.status, 200, r.body);
  return r.json;
}

describe("the schema tests of Chroma's collection.config.client.test.ts", () => {
  test("it should NOT use default embedding function when schema has embedding function", async () => {
    const schema = new Schema();
    const mockEf = new DefaultSpaceCustomEmbeddingFunction("i_want_cosine", 3);
    schema.createIndex(new VectorIndexConfig({ embeddingFunction: mockEf }));
    const collection = await client.createCollection({
      name: "test_schema_embedding_function",
      schema,
      embeddingFunction: undefined,
    });
    const ef = collection.configuration?.embedding_function;
    assert.equal(ef?.type, "known");
    assert.equal(ef?.name, "default_space_custom_ef");
    assert.deepEqual(ef?.config, { model_name: "i_want_cosine", dim: 3 });
    // The schema's space became the collection's.
    assert.equal(collection.configuration?.hnsw?.space, "cosine");
  });

  test("it should NOT use default embedding function when schema has null embedding function", async () => {
    const schema = new Schema();
    schema.createIndex(new VectorIndexConfig({ embeddingFunction: null }));
    const collection = await client.createCollection({
      name: "test_schema_null_embedding_function",
      schema,
      embeddingFunction: undefined,
    });
    assert.equal(collection.configuration?.embedding_function?.type, "legacy");
  });

  test("it should NOT use default when embeddingFunction is null", async () => {
    const schema = new Schema();
    schema.createIndex(new VectorIndexConfig());
    const collection = await client.createCollection({
      name: "test_null_with_schema_undefined",
      schema,
      embeddingFunction: null,
    });
    assert.equal(collection.configuration?.embedding_function?.type, "legacy");
  });
});

describe("schema", () => {
  test("a collection created without a schema answers Chroma's default one", async () => {
    await client.createCollection({ name: "plain", embeddingFunction: null, configuration: { hnsw: { ef_search: 42 } } });
    const c = await rawCollection(server.port, "plain");
    const vi = c.schema.keys["#embedding"].float_list.vector_index;
    assert.equal(vi.enabled, true);
    assert.equal(vi.config.space, "l2");
    assert.equal(vi.config.source_key, "#document");
    assert.equal(vi.config.hnsw.ef_search, 42);
    assert.equal("embedding_function" in vi.config, false);
    assert.deepEqual(c.schema.keys["#document"].string, {
      fts_index: { enabled: true, config: {} },
      string_inverted_index: { enabled: false, config: {} },
    });
    assert.deepEqual(c.schema.defaults.int, { int_inverted_index: { enabled: true, config: {} } });
    assert.deepEqual(c.schema.defaults.sparse_vector.sparse_vector_index.config, {
      embedding_function: { type: "unknown" },
      bm25: false,
    });
  });

  test("metadata keys are added as they are written, with their value types, and survive a restart", async () => {
    const c = await client.createCollection({ name: "seen", embeddingFunction: null });
    await c.add({ ids: ["a"], embeddings: [[1, 2, 3]], metadatas: [{ color: "red", n: 1 }] });
    await c.upsert({ ids: ["b"], embeddings: [[1, 2, 4]], metadatas: [{ f: 1.5, b: true, n: 2.5 }] });
    const check = async (port) => {
      const keys = (await rawCollection(port, "seen")).schema.keys;
      assert.deepEqual(keys.color, {
        string: { fts_index: { enabled: false, config: {} }, string_inverted_index: { enabled: true, config: {} } },
      });
      assert.deepEqual(Object.keys(keys.n).sort(), ["float", "int"]);
      assert.deepEqual(keys.f, { float: { float_inverted_index: { enabled: true, config: {} } } });
      assert.deepEqual(keys.b, { bool: { bool_inverted_index: { enabled: true, config: {} } } });
    };
    await check(server.port);
    // The client's view of the schema has the keys too.
    const fetched = await client.getCollection({ name: "seen" });
    assert.ok(fetched.schema.keys.color.string.stringInvertedIndex.enabled);
    await server.stop();
    const again = await startServer({ dir: dataDir });
    try {
      await check(again.port);
    } finally {
      assert.equal(await again.stop(), 0, again.stderr());
    }
    server = await startServer({ dir: dataDir });
    client = new ChromaClient({ host: "127.0.0.1", port: server.port });
  });

  test("a key's disabled index is kept as given and not overwritten by writes", async () => {
    const schema = new Schema();
    schema.deleteIndex(new StringInvertedIndexConfig(), "color");
    const c = await client.createCollection({ name: "disabled", schema, embeddingFunction: null });
    await c.add({ ids: ["a"], embeddings: [[1, 2, 3]], metadatas: [{ color: "red" }] });
    const keys = (await rawCollection(server.port, "disabled")).schema.keys;
    assert.deepEqual(keys.color, { string: { string_inverted_index: { enabled: false, config: {} } } });
    // Filtering still works (the engine indexes every key).
    const got = await c.get({ where: { color: "red" } });
    assert.deepEqual(got.ids, ["a"]);
  });

  test("modify reaches the schema's vector index config", async () => {
    const c = await client.createCollection({ name: "modified", embeddingFunction: null });
    await c.modify({ configuration: { hnsw: { ef_search: 33 } } });
    const s = (await rawCollection(server.port, "modified")).schema;
    assert.equal(s.keys["#embedding"].float_list.vector_index.config.hnsw.ef_search, 33);
    assert.equal(s.defaults.float_list.vector_index.config.hnsw.ef_search, 33);
  });

  const bad = [
    ["no defaults", { keys: {} }, /missing field `defaults`/],
    ["an unknown value type", { defaults: { strung: {} }, keys: {} }, /unknown value type 'strung'/],
    ["an unknown index", { defaults: {}, keys: { x: { string: { bogus_index: { enabled: true, config: {} } } } } }, /unknown index 'bogus_index'/],
    ["full-text search on a metadata key", { defaults: {}, keys: { color: { string: { fts_index: { enabled: true, config: {} } } } } }, /can only be enabled on #document field: color/],
    ["a vector index on a metadata key", { defaults: {}, keys: { x: { float_list: { vector_index: { enabled: true, config: {} } } } } }, /only be enabled on #embedding field: x/],
    ["a sparse index with a source key and no embedding function", { defaults: {}, keys: { sp: { sparse_vector: { sparse_vector_index: { enabled: true, config: { bm25: true, source_key: "#document" } } } } } }, /embedding_function must also be provided/],
    ["a bad space", { defaults: {}, keys: { "#embedding": { float_list: { vector_index: { enabled: true, config: { space: "manhattan" } } } } } }, /Invalid space/],
    ["enabled that is not a boolean", { defaults: { int: { int_inverted_index: { enabled: "yes", config: {} } } }, keys: {} }, /enabled must be a boolean/],
  ];
  for (const [what, schema, message] of bad) {
    test(`a schema with ${what} is a 400 and creates nothing`, async () => {
      const r = await rawRequest(server.port, {
        method: "POST",
        path: COLLECTIONS,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "bad_schema", schema }),
      });
      assert.equal(r.status, 400, r.body);
      assert.equal(r.json.error, "InvalidArgumentError");
      assert.match(r.json.message, message);
      assert.equal(await client.countCollections(), 0);
    });
  }

  test("a schema that sets the vector index together with a configuration is refused", async () => {
    const r = await rawRequest(server.port, {
      method: "POST",
      path: COLLECTIONS,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "both",
        configuration: { hnsw: { space: "cosine" } },
        schema: { defaults: {}, keys: { "#embedding": { float_list: { vector_index: { enabled: true, config: { space: "ip" } } } } } },
      }),
    });
    assert.equal(r.status, 400, r.body);
    assert.match(r.json.message, /Cannot set both collection config and schema simultaneously/);
  });
});

// The same creations and writes against the real Chroma server, compared (scripts/test-diff.sh).
const CHROMA_URL = process.env.CHROMA_URL;
describe("differential: schemas against the real Chroma", { skip: !CHROMA_URL && "CHROMA_URL not set" }, () => {
  test("create with schemas, add metadata, read back: the same collection JSON", async () => {
    async function run(url) {
      const c = new ChromaClient({ path: url });
      await c.reset();
      const out = {};
      const base = `${url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
      const read = async (name) => {
        const j = await (await fetch(`${base}/${name}`)).json();
        delete j.id;
        return j;
      };
      const s1 = new Schema();
      s1.createIndex(new VectorIndexConfig({ embeddingFunction: new DefaultSpaceCustomEmbeddingFunction("i_want_cosine") }));
      await c.createCollection({ name: "sch1", schema: s1 });
      out.sch1 = await read("sch1");
      const s2 = new Schema();
      s2.createIndex(new VectorIndexConfig({ embeddingFunction: null }));
      await c.createCollection({ name: "sch2", schema: s2 });
      out.sch2 = await read("sch2");
      const c3 = await c.createCollection({ name: "sch3", embeddingFunction: null, metadata: { "hnsw:space": "ip" } });
      await c3.add({ ids: ["a", "b"], embeddings: [[1, 2, 3], [3, 2, 1]], metadatas: [{ color: "red", n: 1 }, { f: 0.5, ok: false }], documents: ["x", "y"] });
      out.sch3 = await read("sch3");
      const s4 = new Schema();
      s4.deleteIndex(new StringInvertedIndexConfig(), "color");
      await c.createCollection({ name: "sch4", schema: s4, embeddingFunction: null });
      out.sch4 = await read("sch4");
      return out;
    }
    const ours = await run(server.url);
    const theirs = await run(CHROMA_URL);
    assert.deepEqual(ours, theirs);
  });
});
