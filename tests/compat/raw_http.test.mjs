// Requests the official client never sends: malformed and hostile bodies, bad ids, v1 routes,
// tokens, CORS, Host headers, limits. Checked over raw HTTP.
import assert from "node:assert/strict";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ChromaClient, ChromaUnauthorizedError } from "chromadb";
import { COLLECTIONS, rawRequest, startServer, tempDir } from "./lib/harness.mjs";

const JSON_HEADERS = { "content-type": "application/json" };
let server;
let colId;

function post(p, body, headers = JSON_HEADERS) {
  return rawRequest(server.port, { method: "POST", path: p, headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

function assertError(r, status, name) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error, name, r.text);
  assert.equal(typeof r.json.message, "string");
  assert.match(r.headers["chroma-trace-id"] ?? "", /^[0-9a-f]{32}$/);
  assert.ok(!r.text.includes(server.dir), "error bodies never name the data directory");
}

// Sends bytes as they are, for what an HTTP library refuses to produce. The socket is not
// half-closed: httplib does not answer a peer that has already shut down its side.
function rawSocket(port, text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text));
    let out = "";
    s.on("data", (d) => (out += d.toString()));
    s.on("end", () => resolve(out));
    s.on("error", reject);
  });
}

before(async () => {
  server = await startServer({ args: ["--max-body-mb", "1"] });
  const r = await post(COLLECTIONS, { name: "raw" });
  assert.equal(r.status, 200, r.text);
  colId = r.json.id;
  const add = await post(`${COLLECTIONS}/${colId}/add`, { ids: ["a", "b"], embeddings: [[1, 0], [0, 1]] });
  assert.equal(add.status, 201, add.text);
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});

describe("bodies", () => {
  test("malformed JSON is 400 InvalidArgumentError", async () => {
    assertError(await post(COLLECTIONS, '{"name": "x"'), 400, "InvalidArgumentError");
    assertError(await post(`${COLLECTIONS}/${colId}/get`, "not json"), 400, "InvalidArgumentError");
  });
  test("invalid UTF-8 is 400", async () => {
    const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    assertError(await rawRequest(server.port, { method: "POST", path: COLLECTIONS, headers: JSON_HEADERS, body }), 400, "InvalidArgumentError");
  });
  test("wrong types are 422 ChromaError", async () => {
    assertError(await post(COLLECTIONS, { name: 5 }), 422, "ChromaError");
    assertError(await post(`${COLLECTIONS}/${colId}/add`, { ids: "a", embeddings: [[1, 2]] }), 422, "ChromaError");
    assertError(await post(`${COLLECTIONS}/${colId}/get`, { limit: -1 }), 422, "ChromaError");
    assertError(await post(`${COLLECTIONS}/${colId}/query`, { query_embeddings: [[1, 0]], n_results: "3" }), 422, "ChromaError");
    assertError(await post(`${COLLECTIONS}/${colId}/get`, { include: ["everything"] }), 422, "ChromaError");
    assertError(await post(`${COLLECTIONS}/${colId}/add`, { ids: ["z"] }), 422, "ChromaError");
  });
  test("a body over --max-body-mb is 413", async () => {
    const big = JSON.stringify({ ids: ["x"], embeddings: [[1, 2]], documents: ["y".repeat(2 << 20)] });
    const r = await post(`${COLLECTIONS}/${colId}/add`, big).catch((e) => ({ status: "reset", error: e }));
    if (r.status !== "reset") assertError(r, 413, "ChromaError");
    // The server is still healthy afterwards.
    assert.equal((await rawRequest(server.port, { path: "/api/v2/heartbeat" })).status, 200);
  });
  test("JSON nested deeper than 64 levels is 400, not a crash", async () => {
    assertError(await post(COLLECTIONS, "[".repeat(100000)), 400, "InvalidArgumentError");
    let where = { k: 1 };
    for (let i = 0; i < 40; i++) where = { $and: [where, { k: 2 }] };
    assertError(await post(`${COLLECTIONS}/${colId}/get`, { where }), 400, "InvalidArgumentError");
  });
  test("a non-JSON content type is 415 (no cross-site simple requests)", async () => {
    const r = await post(COLLECTIONS, { name: "plain" }, { "content-type": "text/plain" });
    assert.equal(r.status, 415);
    assert.equal(r.json.error, "ChromaError");
  });
  test("no Content-Type is treated as JSON (as Chroma)", async () => {
    const r = await post(`${COLLECTIONS}/${colId}/get`, { ids: ["a"] }, {});
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.ids, ["a"]);
  });
  test("Content-Length together with Transfer-Encoding is 400", async () => {
    const out = await rawSocket(
      server.port,
      `POST ${COLLECTIONS}/${colId}/get HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    );
    assert.match(out, /^HTTP\/1\.1 400/);
  });
});

// Issues 15 and 16: each answered at once, without the body ever being sent (the previous HTTP
// library waited its 10 s read timeout on several). The bound below only guards against a hang.
describe("framing", () => {
  function answered(text) {
    return Promise.race([
      rawSocket(server.port, text),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within 5 s to ${JSON.stringify(text)}`)), 5000)),
    ]);
  }
  const head = (extra) => `POST ${COLLECTIONS}/${colId}/get HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}\r\n`;
  for (const value of ["-1", "' 5'", "", "99999999999999999999", "18446744073709551616", "abc", "0x10", "+2", "2, 2"]) {
    test(`Content-Length: ${JSON.stringify(value)} is 400`, async () => {
      assert.match(await answered(head(`Content-Length: ${value}\r\n`)), /^HTTP\/1\.1 400 /);
    });
  }
  test("a declared 1 GiB body is 413 before any of it is sent", async () => {
    const out = await answered(head("Content-Length: 1073741824\r\n"));
    assert.match(out, /^HTTP\/1\.1 413 /);
    assert.match(out, /--max-body-mb/);
  });
  test("a duplicate Host, a NUL or a control character in a header value is 400", async () => {
    for (const extra of ["Host: 127.0.0.1\r\n", "X-Chroma-Token: token\0\r\n", "X-Note: a\x01b\r\n", "X-Note: a\x7fb\r\n"]) {
      const out = await answered(head(`${extra}Content-Length: 2\r\n`) + "{}");
      assert.match(out, /^HTTP\/1\.1 400 /, JSON.stringify(extra));
      assert.match(out, /"error":"InvalidArgumentError"/);
    }
  });
  test("a chunked body is read; other transfer codings are 501", async () => {
    const ok = await answered(`POST ${COLLECTIONS}/${colId}/get HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.1 200 /);
    assert.match(await answered(head("Transfer-Encoding: gzip\r\n")), /^HTTP\/1\.1 501 /);
  });
});

describe("routes and ids", () => {
  test("routes local Chroma does not implement are 501 with its message", async () => {
    const fork = await post(`${COLLECTIONS}/${colId}/fork`, { new_name: "forked" });
    assertError(fork, 501, "ChromaError");
    assert.equal(fork.json.message, "Collection forking is unsupported for local chroma");
    const count = await rawRequest(server.port, { path: `${COLLECTIONS}/${colId}/fork_count` });
    assertError(count, 501, "ChromaError");
    assert.equal(count.json.message, "Count forks is unsupported for local chroma");
    assertError(await post(`${COLLECTIONS}/${colId}/functions/attach`, { name: "f" }), 501, "ChromaError");
    assertError(await post(`${COLLECTIONS}/not-a-uuid/fork`, { new_name: "forked" }), 400, "InvalidArgumentError");
  });
  test("GET .../indexing_status answers Chroma's IndexStatusResponse", async () => {
    const r = await rawRequest(server.port, { path: `${COLLECTIONS}/${colId}/indexing_status` });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ["num_indexed_ops", "num_unindexed_ops", "op_indexing_progress", "total_ops"]);
    assert.equal(r.json.total_ops, 2);
    assert.equal(r.json.num_indexed_ops + r.json.num_unindexed_ops, 2);
    assert.ok(r.json.op_indexing_progress >= 0 && r.json.op_indexing_progress <= 1);
    // The official client's getIndexingStatus reads the same route.
    const client = new ChromaClient({ host: "127.0.0.1", port: server.port });
    const col = await client.getCollection({ name: "raw", embeddingFunction: null });
    const s = await col.getIndexingStatus();
    assert.equal(s.total_ops, 2);
    assertError(await post(`${COLLECTIONS}/${colId}/indexing_status`, {}), 405, "ChromaError");
    assertError(await rawRequest(server.port, { path: `${COLLECTIONS}/not-a-uuid/indexing_status` }), 400, "InvalidArgumentError");
    const missing = await rawRequest(server.port, { path: `${COLLECTIONS}/00000000-0000-4000-8000-000000000000/indexing_status` });
    assert.equal(missing.status, 404, missing.text);
  });
  test("POST /api/v2/reset with no body is 200 (as Chroma)", async () => {
    const s = await startServer();
    try {
      const r = await rawRequest(s.port, { method: "POST", path: "/api/v2/reset" });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, "true");
    } finally {
      await s.destroy();
    }
  });
  test("v1 routes are 410 with Chroma's body", async () => {
    for (const p of ["/api/v1", "/api/v1/heartbeat", "/api/v1/collections"]) {
      const r = await rawRequest(server.port, { path: p });
      assert.equal(r.status, 410);
      assert.deepEqual(r.json, { error: "Unimplemented", message: "The v1 API is deprecated. Please use /v2 apis" });
    }
  });
  test("malformed collection UUIDs are 400", async () => {
    for (const op of ["add", "get", "query", "delete", "update", "upsert"]) {
      const r = await post(`${COLLECTIONS}/not-a-uuid/${op}`, { ids: ["a"], embeddings: [[1, 0]], query_embeddings: [[1, 0]] });
      assertError(r, 400, "InvalidArgumentError");
    }
    assertError(await rawRequest(server.port, { path: `${COLLECTIONS}/not-a-uuid/count` }), 400, "InvalidArgumentError");
    assertError(await rawRequest(server.port, { path: `${COLLECTIONS}/by-id/xyz` }), 400, "InvalidArgumentError");
    const missing = await post(`${COLLECTIONS}/00000000-0000-4000-8000-000000000000/get`, {});
    assertError(missing, 404, "NotFoundError");
    assert.equal(missing.json.message, "Collection [00000000-0000-4000-8000-000000000000] does not exist.");
  });
  test("path-like collection names are refused and touch no file", async () => {
    const before = readdirSync(server.dir).sort();
    const names = ["../etc", "..", "a/../b", "/etc/passwd", "a\\b", "x\u0000y", "..%2F..%2Fetc", "%2e%2e%2f", "n".repeat(600), "a..b"];
    for (const name of names) {
      const r = await post(COLLECTIONS, { name });
      assertError(r, 400, "InvalidArgumentError");
    }
    for (const p of ["/..%2F..%2Fetc%2Fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/..%252F..%252Fetc"]) {
      const r = await rawRequest(server.port, { path: COLLECTIONS + p });
      assert.ok([400, 404].includes(r.status), `${p}: ${r.status}`);
    }
    assert.deepEqual(readdirSync(server.dir).sort(), before);
  });
  test("unknown routes are 404 JSON", async () => {
    assertError(await rawRequest(server.port, { path: "/api/v2/nothing-here" }), 404, "NotFoundError");
    assertError(await rawRequest(server.port, { path: "/" }), 404, "NotFoundError");
  });
  test("delete with neither ids nor filters deletes nothing", async () => {
    const r = await post(`${COLLECTIONS}/${colId}/delete`, {});
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { deleted: 0 });
  });
  test("reset is 403 unless --allow-reset", async () => {
    const s = await startServer({ allowReset: false });
    try {
      const r = await rawRequest(s.port, { method: "POST", path: "/api/v2/reset" });
      assert.equal(r.status, 403);
      assert.equal(r.json.error, "ChromaError");
    } finally {
      await s.destroy();
    }
  });
});

// Three answers that Chroma's own client never provokes but its server gives (checked against the
// real server by the differential test; here without it).
describe("Chroma's record and collection semantics", () => {
  test("an update may mix embeddings and nulls: the null entries keep their vectors", async () => {
    const c = await post(COLLECTIONS, { name: "mixed-update" });
    const id = c.json.id;
    assert.equal((await post(`${COLLECTIONS}/${id}/add`, { ids: ["x", "y", "z"], embeddings: [[1, 0], [0, 1], [1, 1]] })).status, 201);
    const u = await post(`${COLLECTIONS}/${id}/update`, { ids: ["x", "y", "ghost"], embeddings: [null, [3, 4], [5, 6]], documents: ["dx", null, null] });
    assert.equal(u.status, 200, u.text);
    const g = await post(`${COLLECTIONS}/${id}/get`, { include: ["embeddings", "documents"] });
    assert.deepEqual(g.json.ids, ["x", "y", "z"]);
    assert.deepEqual(g.json.embeddings, [[1, 0], [3, 4], [1, 1]]);
    assert.deepEqual(g.json.documents, ["dx", null, null]);
    const q = await post(`${COLLECTIONS}/${id}/query`, { query_embeddings: [[3, 4]], n_results: 1, include: ["distances"] });
    assert.deepEqual(q.json.ids, [["y"]]);
    assertError(await post(`${COLLECTIONS}/${id}/update`, { ids: ["x", "y"], embeddings: [null, [1, 2, 3]] }), 400, "InvalidArgumentError");
    assertError(await post(`${COLLECTIONS}/${id}/upsert`, { ids: ["x", "y"], embeddings: [null, [1, 2]] }), 422, "ChromaError");
  });
  test("a record with a uri and no metadata has metadata {}", async () => {
    const c = await post(COLLECTIONS, { name: "uri-meta" });
    const id = c.json.id;
    const add = await post(`${COLLECTIONS}/${id}/add`, {
      ids: ["u", "n", "m"],
      embeddings: [[1, 0], [0, 1], [1, 1]],
      uris: ["s3://u", null, "s3://m"],
      metadatas: [null, null, { k: 1 }],
    });
    assert.equal(add.status, 201, add.text);
    const g = await post(`${COLLECTIONS}/${id}/get`, { include: ["metadatas"] });
    assert.deepEqual(g.json.metadatas, [{}, null, { k: 1 }]);
    await post(`${COLLECTIONS}/${id}/update`, { ids: ["m"], metadatas: [{ k: null }] });
    const q = await post(`${COLLECTIONS}/${id}/query`, { query_embeddings: [[1, 0.9]], n_results: 3, include: ["metadatas"] });
    assert.deepEqual(q.json.ids, [["m", "u", "n"]]);
    assert.deepEqual(q.json.metadatas, [[{}, {}, null]]);
  });
  test("modify may repeat the collection's hnsw:space, not name another", async () => {
    const c = await post(COLLECTIONS, { name: "space-meta", metadata: { "hnsw:space": "cosine" } });
    const put = (body) => rawRequest(server.port, { method: "PUT", path: `${COLLECTIONS}/${c.json.id}`, headers: JSON_HEADERS, body: JSON.stringify(body) });
    assert.equal((await put({ new_metadata: { "hnsw:space": "cosine", team: "a" } })).status, 200);
    const g = await rawRequest(server.port, { method: "GET", path: `${COLLECTIONS}/space-meta` });
    assert.deepEqual(g.json.metadata, { "hnsw:space": "cosine", team: "a" });
    assert.equal(g.json.configuration_json.hnsw.space, "cosine");
    assertError(await put({ new_metadata: { "hnsw:space": "l2" } }), 400, "InvalidArgumentError");
  });
});

describe("limits", () => {
  test("n_results of 10^9 is a clear 400", async () => {
    const r = await post(`${COLLECTIONS}/${colId}/query`, { query_embeddings: [[1, 0]], n_results: 1e9 });
    assertError(r, 400, "InvalidArgumentError");
    assert.match(r.json.message, /n_results/);
  });
  test("n_results up to the cap returns what there is (as Chroma)", async () => {
    const r = await post(`${COLLECTIONS}/${colId}/query`, { query_embeddings: [[1, 0]], n_results: 10000 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.ids, [["a", "b"]]);
  });
  test("a batch over max_batch_size is a clear 400", async () => {
    const pf = (await rawRequest(server.port, { path: "/api/v2/pre-flight-checks" })).json;
    const n = pf.max_batch_size + 1;
    const body = JSON.stringify({ ids: Array.from({ length: n }, (_, i) => `${i}`), embeddings: "x" });
    if (body.length < 1 << 20) {
      const r = await post(`${COLLECTIONS}/${colId}/add`, body);
      assertError(r, 400, "InvalidArgumentError");
      assert.match(r.json.message, /max batch size/);
    }
  });
});

describe("Host header (DNS rebinding)", () => {
  test("a foreign name is refused; loopback names and IPs are accepted", async () => {
    const evil = await rawRequest(server.port, { path: "/api/v2/heartbeat", headers: { host: "evil.example" } });
    assert.equal(evil.status, 400);
    for (const host of [`localhost:${server.port}`, "127.0.0.1", `[::1]:${server.port}`, "localhost"]) {
      const ok = await rawRequest(server.port, { path: "/api/v2/heartbeat", headers: { host } });
      assert.equal(ok.status, 200, host);
    }
  });
  test("--allowed-hosts adds names", async () => {
    const s = await startServer({ args: ["--allowed-hosts", "db.internal"] });
    try {
      assert.equal((await rawRequest(s.port, { path: "/api/v2/heartbeat", headers: { host: "db.internal:8000" } })).status, 200);
      assert.equal((await rawRequest(s.port, { path: "/api/v2/heartbeat", headers: { host: "evil.example" } })).status, 400);
    } finally {
      await s.destroy();
    }
  });
});

describe("CORS", () => {
  test("off by default: no Access-Control-Allow-Origin", async () => {
    const r = await rawRequest(server.port, { path: "/api/v2/heartbeat", headers: { origin: "https://app.example" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers["access-control-allow-origin"], undefined);
    const pre = await rawRequest(server.port, {
      method: "OPTIONS",
      path: COLLECTIONS,
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    assert.equal(pre.headers["access-control-allow-origin"], undefined);
  });
  test("exact allow-list; other origins are never reflected", async () => {
    const s = await startServer({ args: ["--cors-allow-origins", "https://app.example"] });
    try {
      const pre = await rawRequest(s.port, {
        method: "OPTIONS",
        path: COLLECTIONS,
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers["access-control-allow-origin"], "https://app.example");
      assert.match(pre.headers["access-control-allow-methods"], /POST/);
      const get = await rawRequest(s.port, { path: "/api/v2/heartbeat", headers: { origin: "https://app.example" } });
      assert.equal(get.headers["access-control-allow-origin"], "https://app.example");
      assert.equal(get.headers["access-control-allow-credentials"], undefined);
      for (const origin of ["https://evil.example", "https://app.example.evil.example", "null"]) {
        const bad = await rawRequest(s.port, { method: "OPTIONS", path: COLLECTIONS, headers: { origin, "access-control-request-method": "POST" } });
        assert.equal(bad.headers["access-control-allow-origin"], undefined, origin);
        const badGet = await rawRequest(s.port, { path: "/api/v2/heartbeat", headers: { origin } });
        assert.equal(badGet.headers["access-control-allow-origin"], undefined, origin);
      }
    } finally {
      await s.destroy();
    }
  });
});

describe("token auth", () => {
  // Longer than any small-string buffer, so that a dangling copy of a header would show.
  const TOKEN = "s3cret-token-value-0123456789abcdefghijklmnopqrstuvwxyz";
  let s;
  let dir;
  before(async () => {
    dir = tempDir("ochre-token-");
    writeFileSync(path.join(dir, "token"), `${TOKEN}\n`);
    s = await startServer({ args: ["--auth-token-file", path.join(dir, "token"), "--log-level", "info"] });
  });
  after(async () => {
    await s.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  // Every route of the API, with a method it answers.
  const C = COLLECTIONS;
  const U = "00000000-0000-4000-8000-000000000000";
  const ROUTES = [
    ["GET", "/api/v2/healthcheck"], ["GET", "/api/v2/auth/identity"], ["POST", "/api/v2/reset"],
    ["POST", "/api/v2/tenants"], ["GET", "/api/v2/tenants/default_tenant"], ["PATCH", "/api/v2/tenants/default_tenant"],
    ["GET", "/api/v2/tenants/default_tenant/databases"], ["POST", "/api/v2/tenants/default_tenant/databases"],
    ["GET", "/api/v2/tenants/default_tenant/databases/default_database"],
    ["DELETE", "/api/v2/tenants/default_tenant/databases/default_database"],
    ["GET", C], ["POST", C], ["GET", "/api/v2/tenants/default_tenant/databases/default_database/collections_count"],
    ["GET", `${C}/name`], ["PUT", `${C}/${U}`], ["DELETE", `${C}/name`], ["GET", `${C}/by-id/${U}`],
    ["POST", `${C}/${U}/add`], ["POST", `${C}/${U}/update`], ["POST", `${C}/${U}/upsert`], ["POST", `${C}/${U}/delete`],
    ["GET", `${C}/${U}/count`], ["POST", `${C}/${U}/get`], ["POST", `${C}/${U}/query`],
  ];

  test("every route but heartbeat, version and pre-flight needs the token", async () => {
    for (const [method, p] of ROUTES) {
      const r = await rawRequest(s.port, { method, path: p, headers: JSON_HEADERS, body: method === "GET" ? undefined : "{}" });
      assert.equal(r.status, 401, `${method} ${p}`);
      assert.equal(r.json.error, "ChromaError");
    }
    for (const p of ["/api/v2", "/api/v2/heartbeat", "/api/v2/version", "/api/v2/pre-flight-checks"]) {
      assert.equal((await rawRequest(s.port, { path: p })).status, 200, p);
    }
  });
  test("Bearer and X-Chroma-Token are accepted; a wrong token is 401", async () => {
    const p = "/api/v2/tenants/default_tenant/databases/default_database/collections_count";
    assert.equal((await rawRequest(s.port, { path: p, headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.equal((await rawRequest(s.port, { path: p, headers: { "x-chroma-token": TOKEN } })).status, 200);
    for (const headers of [{ authorization: `Bearer ${TOKEN}x` }, { "x-chroma-token": "nope" }, { authorization: "Basic abc" }]) {
      assert.equal((await rawRequest(s.port, { path: p, headers })).status, 401, JSON.stringify(headers));
    }
  });
  test("the official client with x-chroma-token works; without it, ChromaUnauthorizedError", async () => {
    const good = new ChromaClient({ host: "127.0.0.1", port: s.port, headers: { "x-chroma-token": TOKEN } });
    const c = await good.createCollection({ name: "authed", embeddingFunction: null });
    await c.add({ ids: ["a"], embeddings: [[1]] });
    assert.equal(await c.count(), 1);
    const bad = new ChromaClient({ host: "127.0.0.1", port: s.port });
    await assert.rejects(bad.listCollections(), ChromaUnauthorizedError);
  });
  test("the token never appears in the log", async () => {
    assert.ok(s.stderr().length > 0, "the access log is written at --log-level info");
    assert.ok(!s.stderr().includes(TOKEN));
    assert.ok(!s.stderr().includes("authed\":"), "no bodies in the log");
  });
});
