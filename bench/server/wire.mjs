// Requests without Chroma's JS client, for bench.mjs, the same for both servers:
// - Python's wire format: the JSON bodies chromadb's Python client (FastAPI client, 1.x) sends, with
//   embeddings as JSON float arrays (its query always sends them so; its add does when the server's
//   pre-flight does not offer base64, and did before 1.0.13), over node's http module with a
//   keep-alive agent (one socket, as httpx's pool keeps one for sequential calls);
// - the same query as a prebuilt body over the same agent: the HTTP exchange and the server alone;
// - how many TCP connections each common client opens for 200 heartbeats (fetch and Chroma's JS
//   client, each in a fresh node process; node http with a keep-alive agent, curl with 200 URLs,
//   Python requests / httpx when installed), counted from the kernel's socket table
//   (connections.mjs).
// - the JS client's own time: globalThis.fetch (which the client calls) wrapped with a clock.
import { execFile, spawnSync } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { countConnections } from "./connections.mjs";

// Time spent inside fetch (request sent, server, response head received), summed.
export const fetchClock = { ms: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const t = performance.now();
  try {
    return await realFetch(...args);
  } finally {
    fetchClock.ms += performance.now() - t;
  }
};

export class RawHttp {
  constructor(port) {
    this.port = port;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }
  request(method, path, body) {
    return new Promise((resolve, reject) => {
      const headers = { "content-type": "application/json", "user-agent": "ochre-bench (Python client wire format)" };
      const req = http.request({ host: "127.0.0.1", port: this.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
          else resolve(text);
        });
      });
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
  close() {
    this.agent.destroy();
  }
}

const BASE = "/api/v2/tenants/default_tenant/databases/default_database/collections";

// Python client's bodies (chromadb/api/fastapi.py: _batch_payload, _query).
export const pythonAddBody = (ids, embeddings, metadatas, documents) =>
  JSON.stringify({ ids, embeddings, metadatas, documents, uris: null });
export const pythonQueryBody = (embedding, nResults = 10, where = null) =>
  JSON.stringify({ ids: null, query_embeddings: [embedding], n_results: nResults, where, where_document: null, include: ["distances"] });

// Adds `n` records in Python's wire format to a new collection and queries it the same way.
// `records(start, end)` gives {ids, embeddings, documents, metadatas}; `query(q)` a query vector.
// `settle()` waits for the server's background indexing after the adds, as for the JS client's
// queries.
export async function pythonWire(port, { n, batch, queries, records, query, pct, settle }) {
  const raw = new RawHttp(port);
  try {
    const col = JSON.parse(
      await raw.request("POST", BASE, JSON.stringify({ name: "bench_python_wire", configuration: { hnsw: { space: "cosine" } }, metadata: null, get_or_create: false })),
    );
    let serialize = 0, exchange = 0;
    for (let start = 0; start < n; start += batch) {
      const r = records(start, Math.min(n, start + batch));
      let t = performance.now();
      const body = pythonAddBody(r.ids, r.embeddings, r.metadatas, r.documents);
      serialize += performance.now() - t;
      t = performance.now();
      await raw.request("POST", `${BASE}/${col.id}/add`, body);
      exchange += performance.now() - t;
    }
    const out = {
      py_add_per_s: n / ((serialize + exchange) / 1000),
      py_add_http_per_s: n / (exchange / 1000),
      py_add_serialize_ms: serialize / Math.ceil(n / batch),
    };
    const qpath = `${BASE}/${col.id}/query`;
    await settle();
    const lat = [];
    for (let q = 0; q < queries; q++) {
      const t = performance.now();
      await raw.request("POST", qpath, pythonQueryBody(query(q)));
      lat.push(performance.now() - t);
    }
    out.py_query_p50 = pct(lat, 50);
    out.py_query_p99 = pct(lat, 99);
    return out;
  } finally {
    raw.close();
  }
}

// p50 of the same query with its body built beforehand, and of a heartbeat, over node http.
export async function rawLatencies(port, collectionId, { queries, query, pct }) {
  const raw = new RawHttp(port);
  try {
    const qpath = `${BASE}/${collectionId}/query`;
    const bodies = Array.from({ length: Math.min(queries, 64) }, (_, q) => pythonQueryBody(query(q)));
    const ql = [], hl = [];
    for (let q = 0; q < 20; q++) await raw.request("POST", qpath, bodies[q % bodies.length]);
    for (let q = 0; q < queries; q++) {
      const t = performance.now();
      await raw.request("POST", qpath, bodies[q % bodies.length]);
      ql.push(performance.now() - t);
    }
    for (let q = 0; q < 200; q++) {
      const t = performance.now();
      await raw.request("GET", "/api/v2/heartbeat");
      hl.push(performance.now() - t);
    }
    return { raw_query_p50: pct(ql, 50), raw_heartbeat_p50: pct(hl, 50) };
  } finally {
    raw.close();
  }
}

// The first python3 that can import `module` (Debian's python3-requests / -httpx live under
// /usr/bin/python3, which may not be the first python3 on PATH), or undefined.
function pythonWith(module) {
  return ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", `import ${module}`]).status === 0);
}

// Runs a command to its end without blocking the event loop (a server's log pipe is read meanwhile).
const run = (cmd, argv, cwd) => new Promise((resolve) => execFile(cmd, argv, { cwd, maxBuffer: 1 << 20 }, (err) => resolve(err)));

// Connections opened for 200 heartbeats by each client that is installed (undefined when not).
export async function connectionsPerClient(port) {
  const url = `http://127.0.0.1:${port}/api/v2/heartbeat`;
  const N = 200;
  const out = {};
  // fetch and the JS client in a fresh node process each: a new connection pool, as a new program has.
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const [key, code] of [
    ["conn_fetch", `for (let i = 0; i < ${N}; i++) await (await fetch("${url}")).text();`],
    [
      "conn_js_client",
      `import { ChromaClient } from "chromadb"; const c = new ChromaClient({ host: "127.0.0.1", port: ${port} }); for (let i = 0; i < ${N}; i++) await c.heartbeat();`,
    ],
  ]) {
    out[key] = await countConnections(port, () => run(process.execPath, ["--input-type=module", "-e", code], here));
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  out.conn_node_http = await countConnections(port, async () => {
    for (let i = 0; i < N; i++) {
      await new Promise((resolve, reject) => {
        http.get(url, { agent }, (res) => res.resume().on("end", resolve)).on("error", reject);
      });
    }
  });
  agent.destroy();
  if (spawnSync("curl", ["--version"]).status === 0) {
    out.conn_curl = await countConnections(port, async () => {
      await run("curl", ["-sS", "-o", "/dev/null", ...Array.from({ length: N }, () => url)]);
    });
  }
  for (const [module, code] of [
    ["requests", "import requests\ns = requests.Session()\nfor _ in range(N): s.get(URL).raise_for_status()"],
    ["httpx", "import httpx\nc = httpx.Client()\nfor _ in range(N): c.get(URL).raise_for_status()"],
  ]) {
    const py = pythonWith(module);
    if (!py) continue;
    out[`conn_python_${module}`] = await countConnections(port, async () => {
      await run(py, ["-c", `N = ${N}\nURL = "${url}"\n${code}\n`]);
    });
  }
  return out;
}
