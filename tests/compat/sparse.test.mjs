// Sparse vectors as metadata values over HTTP, in Chroma 1.x's wire form
// {"#type": "sparse_vector", "indices": [...], "values": [...], "tokens"?: [...]}: written with add,
// upsert and update, read back by get and query, learnt by the schema; Chroma's validation errors
// (400, nothing written); malformed objects (422).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { COLLECTIONS, rawRequest, startServer } from "./lib/harness.mjs";

const JSON_HEADERS = { "content-type": "application/json" };
let server;
let colId;

const post = (p, body) => rawRequest(server.port, { method: "POST", path: p, headers: JSON_HEADERS, body: JSON.stringify(body) });
const sv = (indices, values, tokens) => ({ "#type": "sparse_vector", indices, values, ...(tokens ? { tokens } : {}) });

before(async () => {
  server = await startServer();
  const r = await post(COLLECTIONS, { name: "sparse" });
  assert.equal(r.status, 200, r.text);
  colId = r.json.id;
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});

test("sparse vectors round trip through add, get, query and update", async () => {
  const a = sv([1, 5, 4000000000], [0.5, -1.25, 0.25], ["x", "y", "z"]);
  const add = await post(`${COLLECTIONS}/${colId}/add`, {
    ids: ["a", "b"],
    embeddings: [[1, 0], [0, 1]],
    metadatas: [{ sv: a, n: 1 }, { sv: { indices: [2], values: [3] } }],  // older clients send no #type
  });
  assert.equal(add.status, 201, add.text);
  const got = await post(`${COLLECTIONS}/${colId}/get`, { ids: ["a", "b"], include: ["metadatas"] });
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.json.metadatas[0], { sv: a, n: 1 });
  assert.deepEqual(got.json.metadatas[1], { sv: sv([2], [3]) });
  const q = await post(`${COLLECTIONS}/${colId}/query`, { query_embeddings: [[1, 0]], n_results: 1, include: ["metadatas"] });
  assert.equal(q.status, 200, q.text);
  assert.deepEqual(q.json.metadatas[0][0].sv, a);
  const upd = await post(`${COLLECTIONS}/${colId}/update`, { ids: ["b"], metadatas: [{ sv: sv([7, 8], [1, 2]) }] });
  assert.equal(upd.status, 200, upd.text);
  const again = await post(`${COLLECTIONS}/${colId}/get`, { ids: ["b"], include: ["metadatas"] });
  assert.deepEqual(again.json.metadatas[0], { sv: sv([7, 8], [1, 2]) });
  const col = await rawRequest(server.port, { method: "GET", path: `${COLLECTIONS}/sparse` });  // GET takes the name
  assert.ok(col.json.schema.keys.sv.sparse_vector.sparse_vector_index, JSON.stringify(col.json.schema));
});

test("invalid sparse vectors are a 400 and change nothing", async () => {
  const count0 = (await rawRequest(server.port, { method: "GET", path: `${COLLECTIONS}/${colId}/count` })).json;
  for (const [bad, message] of [
    [sv([3, 1], [1, 1]), /strictly ascending/],
    [sv([1, 2], [1]), /same length/],
    [sv([1], [1], ["a", "b"]), /same length/],
  ]) {
    const r = await post(`${COLLECTIONS}/${colId}/add`, {
      ids: ["ok", "bad"],
      embeddings: [[1, 1], [2, 2]],
      metadatas: [{ sv: sv([1], [1]) }, { sv: bad }],
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, "InvalidArgumentError", r.text);
    assert.match(r.json.message, message);
  }
  for (const bad of [{ "#type": "other", indices: [1], values: [1] }, { indices: [-1], values: [1] }, { indices: [1] }, { indices: [1], values: ["x"] }]) {
    const r = await post(`${COLLECTIONS}/${colId}/add`, { ids: ["bad"], embeddings: [[1, 1]], metadatas: [{ sv: bad }] });
    assert.equal(r.status, 422, r.text);
  }
  const count1 = (await rawRequest(server.port, { method: "GET", path: `${COLLECTIONS}/${colId}/count` })).json;
  assert.equal(count1, count0);
});
