// Differential test: one seeded sequence of raw v2 calls against `ochre run` and the real Chroma
// server (CHROMA_URL, started by scripts/test-diff.sh from ../shared/peer-chroma), compared field
// by field: statuses, error names, ids, documents, metadatas, embeddings and distances (1e-4).
// Skipped when CHROMA_URL is not set.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServer } from "./lib/harness.mjs";

const CHROMA_URL = process.env.CHROMA_URL;
const SEED = Number(process.env.DIFF_SEED ?? 20261125);
const TOL = 1e-4;

// Keys whose values legitimately differ between the two servers (see docs/server.md).
const SKIP_KEYS = new Set(["log_position", "version", "nanosecond heartbeat"]);

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function toBase64(vec) {
  return Buffer.from(new Float32Array(vec).buffer).toString("base64");
}

// Compares a and b; pushes "path: reason" strings into out. Collection UUIDs are replaced by
// names before comparing (they are random on each server).
function compare(a, b, path, out) {
  if (typeof a === "number" && typeof b === "number") {
    if (Math.abs(a - b) > TOL * Math.max(1, Math.abs(a))) out.push(`${path}: ${a} != ${b}`);
    return;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    if (a !== b) out.push(`${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
    return;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path}: array vs object`);
    return;
  }
  if (Array.isArray(a)) {
    if (a.length !== b.length) out.push(`${path}: length ${a.length} != ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) compare(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (SKIP_KEYS.has(k)) continue;
    if (!(k in a)) out.push(`${path}.${k}: missing in ochre`);
    else if (!(k in b)) out.push(`${path}.${k}: missing in chroma`);
    else compare(a[k], b[k], `${path}.${k}`, out);
  }
}

class Target {
  constructor(name, url) {
    this.name = name;
    this.url = url;
    this.ids = new Map(); // collection name -> uuid
  }
  async call(method, path, body) {
    const p = path.replace(/\{(\w[\w.-]*)\}/g, (_, n) => this.ids.get(n) ?? n);
    const res = await fetch(this.url + p, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (json && typeof json === "object" && typeof json.id === "string" && typeof json.name === "string") {
      this.ids.set(json.name, json.id);
    }
    return { status: res.status, json };
  }
  normalizeText(text) {
    let t = String(text);
    for (const [n, id] of this.ids) t = t.replaceAll(id, n);
    return t;
  }
  // Collection UUIDs → names, so that responses compare.
  normalize(v) {
    const byId = new Map([...this.ids].map(([n, id]) => [id, n]));
    const walk = (x) => {
      if (typeof x === "string") return byId.get(x) ?? x;
      if (Array.isArray(x)) return x.map(walk);
      if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]));
      return x;
    };
    return walk(v);
  }
}

// The sequence. Each step is [label, method, path, body, options]; options.compare = "status"
// compares only the status (and error name), "sorted-ids" compares query id lists as sets.
function buildSequence() {
  const r = rng(SEED);
  const DIM = 16;
  const vec = () => Array.from({ length: DIM }, () => Math.round((r() * 2 - 1) * 1000) / 1000);
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "Zeta", "eta", "theta"];
  const doc = () => Array.from({ length: 3 }, () => words[Math.floor(r() * words.length)]).join(" ");
  const meta = (i) => {
    if (i % 17 === 0) return null;
    const m = { i, f: Math.round(r() * 100) / 10, s: words[i % words.length], b: i % 3 === 0 };
    if (i % 5 === 0) m.tags = [words[i % 4], words[(i + 1) % 4]];
    if (i % 7 === 0) m.nums = [i % 3, (i + 1) % 3];
    return m;
  };
  const T = "/api/v2/tenants";
  const D = `${T}/default_tenant/databases/default_database`;
  const C = `${D}/collections`;
  const steps = [];
  const s = (label, method, path, body, options = {}) => steps.push([label, method, path, body, options]);

  s("reset", "POST", "/api/v2/reset");
  s("heartbeat", "GET", "/api/v2/heartbeat");
  s("identity", "GET", "/api/v2/auth/identity");
  s("pre-flight", "GET", "/api/v2/pre-flight-checks", undefined, { compare: "status" });
  s("v1", "GET", "/api/v1/collections");
  s("create tenant", "POST", T, { name: "diff-tenant" });
  s("duplicate tenant", "POST", T, { name: "diff-tenant" }, { compare: "status" });
  s("get tenant", "GET", `${T}/diff-tenant`);
  s("missing tenant", "GET", `${T}/nobody`, undefined, { compare: "status" });
  for (const n of ["db-c", "db-a", "db-b"]) s(`create db ${n}`, "POST", `${T}/diff-tenant/databases`, { name: n });
  s("list dbs", "GET", `${T}/diff-tenant/databases`, undefined, { compare: "no-ids" });
  s("list dbs page", "GET", `${T}/diff-tenant/databases?limit=2&offset=1`, undefined, { compare: "no-ids" });
  s("delete db", "DELETE", `${T}/diff-tenant/databases/db-b`);
  s("get deleted db", "GET", `${T}/diff-tenant/databases/db-b`, undefined, { compare: "status" });

  s("create l2", "POST", C, { name: "diff-l2", metadata: { owner: "diff", n: 1, x: 2.5, ok: true } });
  s("create cosine", "POST", C, { name: "diff-cos", configuration: { hnsw: { space: "cosine", ef_search: 120 } } });
  s("create ip via metadata", "POST", C, { name: "diff-ip", metadata: { "hnsw:space": "ip" } });
  s("get_or_create existing", "POST", C, { name: "diff-l2", metadata: { other: 1 }, get_or_create: true });
  s("duplicate", "POST", C, { name: "diff-l2" }, { compare: "status" });
  s("bad name", "POST", C, { name: "a" }, { compare: "status" });
  s("bad ef_construction", "POST", C, { name: "diff-bad", configuration: { hnsw: { ef_construction: -1 } } }, { compare: "status" });
  s("get by name", "GET", `${C}/diff-cos`);
  s("get by id", "GET", `${C}/by-id/{diff-ip}`);
  s("count collections", "GET", `${D}/collections_count`);
  s("malformed json", "POST", C, '{"name": ', { compare: "status" });
  s("wrong type", "POST", C, { name: 7 }, { compare: "status" });

  for (const col of ["diff-l2", "diff-cos", "diff-ip"]) {
    const N = 120;
    for (let start = 0; start < N; start += 40) {
      const ids = Array.from({ length: 40 }, (_, k) => `id-${start + k}`);
      const embeddings = ids.map(() => vec());
      const body = {
        ids,
        embeddings: start % 80 === 0 ? embeddings.map(toBase64) : embeddings,
        documents: ids.map(() => doc()),
        metadatas: ids.map((_, k) => meta(start + k)),
      };
      s(`${col} add ${start}`, "POST", `${C}/{${col}}/add`, body);
    }
    s(`${col} count`, "GET", `${C}/{${col}}/count`);
    s(`${col} get all`, "POST", `${C}/{${col}}/get`, {});
    s(`${col} get page`, "POST", `${C}/{${col}}/get`, { limit: 7, offset: 11, include: ["embeddings", "documents", "metadatas", "uris"] });
    s(`${col} get ids`, "POST", `${C}/{${col}}/get`, { ids: ["id-9", "id-3", "missing", "id-77"], include: ["embeddings"] });
    const wheres = [
      { s: "gamma" }, { i: { $ne: 5 } }, { f: { $gt: 4.5 } }, { f: { $gte: 5 } }, { i: { $lt: 10 } }, { i: { $lte: 3 } },
      { s: { $in: ["beta", "eta"] } }, { i: { $nin: [1, 2, 3, 4] } }, { tags: { $contains: "alpha" } },
      { tags: { $not_contains: "beta" } }, { nums: { $contains: 1 } }, { b: true }, { f: 7 },
      { $and: [{ b: false }, { i: { $gt: 50 } }] }, { $or: [{ s: "alpha" }, { i: { $in: [1, 2] } }] },
    ];
    for (const where of wheres) s(`${col} get where ${JSON.stringify(where)}`, "POST", `${C}/{${col}}/get`, { where, include: ["metadatas"] });
    const docs = [{ $contains: "gamma" }, { $not_contains: "eta" }, { $regex: "^(alpha|beta) " }, { $not_regex: "a$" },
      { $and: [{ $contains: "alpha" }, { $contains: "beta" }] }, { $or: [{ $contains: "Zeta" }, { $contains: "theta" }] }];
    for (const wd of docs) s(`${col} get where_document ${JSON.stringify(wd)}`, "POST", `${C}/{${col}}/get`, { where_document: wd, include: ["documents"] });
    s(`${col} bad where`, "POST", `${C}/{${col}}/get`, { where: { s: { $gt: "a" } } }, { compare: "status" });
    for (let q = 0; q < 4; q++) {
      s(`${col} query ${q}`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec(), vec()], n_results: 5, include: ["distances", "documents", "metadatas", "embeddings"] });
    }
    s(`${col} query where`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec()], n_results: 4, where: { i: { $gte: 60 } } });
    s(`${col} query where_document`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec()], n_results: 4, where_document: { $contains: "delta" } });
    s(`${col} query ids`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec()], n_results: 3, ids: ["id-1", "id-2", "id-3", "id-4"] });
    s(`${col} query unknown id`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec()], n_results: 3, ids: ["id-1", "ghost"] }, {
      compare: "status",
      known: "Chroma answers 500 InternalError (\"Error finding id\"); the engine answers 404 NotFoundError. Both reject, as the JS tests require",
    });
    s(`${col} query n_results 1e9`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec()], n_results: 1e9 }, {
      compare: "status",
      known: "ochre caps n_results (--max-n-results, default 10,000) with a 400; Chroma returns what it has",
    });
    s(`${col} query too many`, "POST", `${C}/{${col}}/query`, { query_embeddings: [vec()], n_results: 500, where: { i: { $lt: 6 } } });
    s(`${col} query dim mismatch`, "POST", `${C}/{${col}}/query`, { query_embeddings: [[1, 2]] }, { compare: "status" });
    s(`${col} add dim mismatch`, "POST", `${C}/{${col}}/add`, { ids: ["bad"], embeddings: [[1, 2]] }, { compare: "status" });
    s(`${col} update`, "POST", `${C}/{${col}}/update`, {
      ids: ["id-1", "id-2", "nope"],
      metadatas: [{ s: "updated", extra: 1 }, { i: 999 }, { z: 1 }],
      documents: ["updated doc", "second updated", "x"],
      embeddings: [vec(), vec(), vec()].map(toBase64),
    });
    s(`${col} upsert`, "POST", `${C}/{${col}}/upsert`, {
      ids: ["id-3", "new-1"],
      embeddings: [vec(), vec()],
      metadatas: [{ up: true }, { up: false }],
      documents: ["upserted", "brand new"],
    });
    s(`${col} get after writes`, "POST", `${C}/{${col}}/get`, { ids: ["id-1", "id-2", "id-3", "new-1"], include: ["documents", "metadatas", "embeddings"] });
    s(`${col} delete ids`, "POST", `${C}/{${col}}/delete`, { ids: ["id-5", "id-6", "ghost"] });
    s(`${col} delete where limit`, "POST", `${C}/{${col}}/delete`, { where: { b: true }, limit: 3 });
    s(`${col} delete where_document`, "POST", `${C}/{${col}}/delete`, { where_document: { $contains: "Zeta Zeta" } });
    s(`${col} delete nothing`, "POST", `${C}/{${col}}/delete`, {});
    s(`${col} delete limit without where`, "POST", `${C}/{${col}}/delete`, { limit: 2 }, { compare: "status" });
    s(`${col} count after`, "GET", `${C}/{${col}}/count`);
    s(`${col} get all after`, "POST", `${C}/{${col}}/get`, { include: [] });
  }
  s("modify metadata keeping hnsw:space", "PUT", `${C}/{diff-ip}`, { new_metadata: { renamed: true, "hnsw:space": "ip" } });
  s("get after modify keeping hnsw:space", "GET", `${C}/diff-ip`);
  s("add with uris", "POST", `${C}/{diff-cos}/add`, {
    ids: ["u1", "u2", "u3", "u4"],
    embeddings: [vec(), vec(), vec(), vec()],
    uris: ["s3://a", null, "s3://c", "s3://d"],
    documents: ["with uri", "without", null, null],
    metadatas: [null, null, null, { k: 1 }],
  });
  s("get uris", "POST", `${C}/{diff-cos}/get`, { ids: ["u1", "u2", "u3", "u4"], include: ["uris", "documents"] });
  // A record with a uri has metadata {} even without metadata (Chroma keeps the uri in its metadata).
  s("get uris with metadatas", "POST", `${C}/{diff-cos}/get`, { ids: ["u1", "u2", "u3", "u4"], include: ["uris", "metadatas"] });
  s("update emptying a uri record's metadata", "POST", `${C}/{diff-cos}/update`, { ids: ["u4", "u2"], metadatas: [{ k: null }, null], uris: [null, "s3://b"] });
  s("get metadatas only", "POST", `${C}/{diff-cos}/get`, { ids: ["u1", "u2", "u3", "u4"], include: ["metadatas"] });
  s("query metadatas of uri records", "POST", `${C}/{diff-cos}/query`, { query_embeddings: [vec()], n_results: 3, ids: ["u1", "u3", "u4"], include: ["metadatas"] });
  // An update whose embeddings mix vectors and nulls: the null entries keep their vectors.
  s("update mixed null embeddings", "POST", `${C}/{diff-cos}/update`, { ids: ["u1", "u2", "u3", "ghost"], embeddings: [vec(), null, null, vec()], documents: [null, "new doc", null, null] });
  s("get after mixed update", "POST", `${C}/{diff-cos}/get`, { ids: ["u1", "u2", "u3"], include: ["embeddings", "documents"] });
  s("update mixed base64 and null", "POST", `${C}/{diff-cos}/update`, { ids: ["u3", "u1"], embeddings: [toBase64(vec()), null] });
  s("get after base64 mixed update", "POST", `${C}/{diff-cos}/get`, { ids: ["u1", "u3"], include: ["embeddings"] });
  s("update mixed, wrong dimension", "POST", `${C}/{diff-cos}/update`, { ids: ["u1", "u2"], embeddings: [[1, 2], null] }, { compare: "status" });
  s("upsert with a null embedding", "POST", `${C}/{diff-cos}/upsert`, { ids: ["u1", "u2"], embeddings: [vec(), null] }, { compare: "status" });
  s("version", "GET", "/api/v2/version", undefined, { known: "ochre reports its own version; Chroma's Rust server hard-codes \"1.0.0\"" });
  s("modify name+metadata", "PUT", `${C}/{diff-ip}`, { new_name: "diff-ip2", new_metadata: { renamed: true } });
  s("modify empty metadata", "PUT", `${C}/{diff-cos}`, { new_metadata: {} }, { compare: "status" });
  s("modify ef_search", "PUT", `${C}/{diff-cos}`, { new_configuration: { hnsw: { ef_search: 42 } } });
  s("modify space refused", "PUT", `${C}/{diff-cos}`, { new_configuration: { hnsw: { space: "l2" } } }, { compare: "status" });
  s("get renamed", "GET", `${C}/diff-ip2`);
  s("get cos", "GET", `${C}/diff-cos`);
  s("old name gone", "GET", `${C}/diff-ip`, undefined, { compare: "status" });
  s("list", "GET", C, undefined, { compare: "by-name" });
  s("list page", "GET", `${C}?limit=1&offset=1`, undefined, { compare: "status" });
  s("bad uuid", "POST", `${C}/not-a-uuid/get`, {}, { compare: "status" });
  s("delete collection", "DELETE", `${C}/diff-l2`);
  s("deleted collection get", "POST", `${C}/{diff-l2}/get`, {}, { compare: "status" });
  s("deleted collection by name", "GET", `${C}/diff-l2`, undefined, { compare: "status" });
  s("count collections after", "GET", `${D}/collections_count`);
  return steps;
}

test("ochre run answers like Chroma", { skip: !CHROMA_URL && "CHROMA_URL not set", timeout: 170000 }, async () => {
  const server = await startServer();
  const ochre = new Target("ochre", server.url);
  const chroma = new Target("chroma", CHROMA_URL);
  const problems = [];
  const known = [];
  const messages = []; // same status and error name, different text: reported, not failed
  let compared = 0;
  try {
    for (const [label, method, path, body, options] of buildSequence()) {
      const a = await ochre.call(method, path, body);
      const b = await chroma.call(method, path, body);
      compared++;
      const out = [];
      if (a.status !== b.status) {
        out.push(`status ${a.status} != ${b.status} (ochre ${JSON.stringify(a.json).slice(0, 200)}; chroma ${JSON.stringify(b.json).slice(0, 200)})`);
      } else if (a.status >= 400) {
        if (a.json?.error !== b.json?.error) out.push(`error ${a.json?.error} != ${b.json?.error}`);
        else if (ochre.normalizeText(a.json?.message) !== chroma.normalizeText(b.json?.message)) messages.push(`${label}: ochre "${a.json?.message}" / chroma "${b.json?.message}"`);
      } else if (options.compare !== "status") {
        let x = ochre.normalize(a.json);
        let y = chroma.normalize(b.json);
        if (options.compare === "by-name" && Array.isArray(x)) {
          // Lists are in UUID order, and UUIDs are random on each server.
          x = [...x].sort((p, q) => p.name.localeCompare(q.name));
          y = [...y].sort((p, q) => p.name.localeCompare(q.name));
        }
        if (options.compare === "no-ids" && Array.isArray(x)) {
          x = x.map(({ id, ...rest }) => rest);
          y = y.map(({ id, ...rest }) => rest);
        }
        if (Array.isArray(x?.include) && Array.isArray(y?.include)) {
          x.include = [...x.include].sort();
          y.include = [...y.include].sort();
        }
        compare(x, y, "", out);
      }
      const text = `${label} (${method} ${path}):\n    ${out.slice(0, 8).join("\n    ")}`;
      if (out.length && options.known) known.push(`${text}\n    known: ${options.known}`);
      else if (out.length) problems.push(text);
    }
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
    await server.destroy();
  }
  console.log(`differential: ${compared} calls compared, ${problems.length} differ, ${known.length} known differences`);
  for (const k of known) console.log(`known difference: ${k}`);
  console.log(`${messages.length} errors with the same status and name but other text:`);
  for (const m of messages) console.log(`  ${m}`);
  assert.deepEqual(problems, [], problems.join("\n"));
});
