// The server benchmark of issue 4: Chroma's official JS client against `ochre run` and the real
// Chroma server, one after the other in the same run, on the same synthetic data.
//
//   node bench.mjs --ochre-bin PATH --peer DIR [--n 100000] [--dim 384] [--queries 500] [--only ochre|chroma] [--smaps 1]
//                  [--pressure-idle 2000] [--pressure-slow 100] [--python-n N] [--doc-words 0]
//
// Data: N x DIM vectors from a seeded Gaussian mixture (1,000 clusters, as embeddings cluster),
// cosine space, each with a document and two metadata fields: `category` (10 values: a filter on
// one matches 10%) and `bucket` (100 values: 1%). Prints one table with both servers and ratios.
// Query latencies are measured once the server is idle after the adds (background indexing done,
// detected from its CPU use); the p50 right after the last add is reported too.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { ChromaClient } from "chromadb";
import { underPressure } from "./connections.mjs";
import { connectionsPerClient, fetchClock, pythonWire, rawLatencies } from "./wire.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const N = Number(args.n ?? 100000);
const DIM = Number(args.dim ?? 384);
const QUERIES = Number(args.queries ?? 500);
const BATCH = 1000;
const RECALL_QUERIES = Math.min(200, QUERIES);
const ONLY = args.only;
const PY_N = Number(args["python-n"] ?? N);
const PRESSURE = { idle: Number(args["pressure-idle"] ?? 2000), slow: Number(args["pressure-slow"] ?? 100) };
// --doc-words N: N more words per document (deterministic), for prose-sized documents: at 50 words
// a document is ~350 bytes, as in issue 13's measurement (35 MB of documents at 100k).
const DOC_WORDS = Number(args["doc-words"] ?? 0);

// --- Data -----------------------------------------------------------------------------------------
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function gaussian(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}
function makeData() {
  const r = rng(7);
  const clusters = 1000;
  const centers = new Float32Array(clusters * DIM);
  for (let i = 0; i < centers.length; i++) centers[i] = gaussian(r);
  const point = (out, o) => {
    const c = Math.floor(r() * clusters) * DIM;
    for (let d = 0; d < DIM; d++) out[o + d] = centers[c + d] + 0.6 * gaussian(r);
  };
  const data = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) point(data, i * DIM);
  const queries = new Float32Array(QUERIES * DIM);
  for (let i = 0; i < QUERIES; i++) point(queries, i * DIM);
  return { data, queries };
}
const row = (m, i) => Array.from(m.subarray(i * DIM, (i + 1) * DIM));
const WORDS = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "heath", "indigo", "jade"];
// A larger vocabulary for --doc-words: syllable pairs, drawn by a per-record LCG.
const PROSE = [];
for (const a of ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "ze", "bri", "cho", "dra", "fle"]) {
  for (const b of ["n", "rt", "ssa", "lim", "vox", "dal", "quen", "th", "mur", "gel", "pix", "ront"]) PROSE.push(a + b);
}
function documentOf(i) {
  let text = `record ${i} ${WORDS[i % 10]} ${WORDS[Math.floor(i / 10) % 10]}`;
  let x = (i * 2654435761 + 12345) >>> 0;
  for (let w = 0; w < DOC_WORDS; w++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    text += " " + PROSE[x % PROSE.length] + (x % 7 === 0 ? "s" : "");
  }
  return text;
}

function normalized(m, rows) {
  const out = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let d = 0; d < DIM; d++) s += m[i * DIM + d] ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = m[i * DIM + d] * inv;
  }
  return out;
}

// Exact top-10 by cosine, for recall.
function groundTruth(data, queries) {
  const nd = normalized(data, N);
  const nq = normalized(queries, RECALL_QUERIES);
  const truth = [];
  for (let q = 0; q < RECALL_QUERIES; q++) {
    const best = [];
    for (let i = 0; i < N; i++) {
      let dot = 0;
      const a = i * DIM, b = q * DIM;
      for (let d = 0; d < DIM; d++) dot += nd[a + d] * nq[b + d];
      if (best.length < 10 || dot > best[best.length - 1][0]) {
        best.push([dot, i]);
        best.sort((x, y) => y[0] - x[0]);
        if (best.length > 10) best.pop();
      }
    }
    truth.push(new Set(best.map(([, i]) => `id-${i}`)));
  }
  return truth;
}

// --- Servers --------------------------------------------------------------------------------------
const PEER_CACHE = process.env.OCHRE_PEER_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "ochre-peer-chroma");

function freePort() {
  return Number(execFileSync("node", ["-e", 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})']).toString());
}
function rssMb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}
// Resident memory split into anonymous (heap, stacks) and file-backed (mmap'ed files) pages.
function rssSplitMb(pid) {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number((s.match(new RegExp(`${k}:\\s+(\\d+) kB`)) ?? [0, NaN])[1]) / 1024;
  return { anon: kb("RssAnon"), file: kb("RssFile") };
}
// Resident memory by mapping (file name, [heap], [stack], anonymous), largest first: where the
// server's RSS goes (printed with --smaps).
function rssByMapping(pid) {
  const sums = new Map();
  let name = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/);
    if (head) {
      name = head[1] ? head[1].replace(/^.*\/(collections\/[^/]+\/)?/, (m, c) => (c ? "collections/*/" : "")) : "[anonymous]";
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss) sums.set(name, (sums.get(name) ?? 0) + Number(rss[1]));
  }
  return [...sums].sort((a, b) => b[1] - a[1]).filter(([, kb]) => kb >= 1024).map(([n, kb]) => `${n} ${(kb / 1024).toFixed(1)} MB`);
}
// CPU seconds the process has used (utime + stime).
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
// Waits until the server has used less than 5% of a core for 2 s in a row (background indexing
// done), up to `maxS` seconds; returns the seconds waited.
async function waitIdle(pid, maxS = 300) {
  const t0 = performance.now();
  let quiet = 0;
  let last = cpuSeconds(pid);
  while ((performance.now() - t0) / 1000 < maxS && quiet < 2) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuSeconds(pid);
    quiet = now - last < 0.05 ? quiet + 1 : 0;
    last = now;
  }
  return (performance.now() - t0) / 1000;
}
function duMb(dir) {
  return Number(execFileSync("du", ["-sk", dir]).toString().split(/\s+/)[0]) / 1024;
}

class OchreServer {
  constructor(bin) {
    this.bin = bin;
    this.dir = mkdtempSync(path.join(tmpdir(), "ochre-bench-"));
    this.name = "ochre";
  }
  async start() {
    // Info level: each request's access-log line gives the server's own handling time.
    this.proc = spawn(this.bin, ["run", "--path", this.dir, "--port", "0", "--log-level", "info"], { stdio: ["ignore", "pipe", "pipe"] });
    this.handled = [];
    let pending = "";
    this.proc.stderr.on("data", (d) => {
      const lines = (pending + d).split("\n");
      pending = lines.pop();
      for (const line of lines) {
        const m = line.match(/ (?:GET|POST) \S*?(\w+) \d+ [\d.]+ms \(handled in ([\d.]+)ms\)/);
        if (m) this.handled.push([m[1], Number(m[2])]);
        else if (!/ INFO /.test(line)) process.stderr.write(line + "\n");
      }
    });
    this.port = await new Promise((resolve, reject) => {
      let out = "";
      this.proc.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      this.proc.on("exit", (c) => reject(new Error(`ochre exited ${c}`)));
    });
    this.pid = this.proc.pid;
  }
  async stop() {
    const done = new Promise((r) => this.proc.on("exit", r));
    this.proc.kill("SIGTERM");
    await done;
  }
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class ChromaServer {
  constructor(peer) {
    this.peer = peer;
    this.dir = mkdtempSync(path.join(tmpdir(), "chroma-bench-"));
    this.name = "chroma";
  }
  async start() {
    // A fresh port each time: the client's keep-alive pool would otherwise reuse dead sockets.
    this.port = freePort();
    execFileSync(path.join(this.peer, "chroma-server.sh"), ["start", this.dir, String(this.port)], { stdio: "ignore" });
    this.pid = Number(readFileSync(path.join(PEER_CACHE, "servers", String(this.port), "pid"), "utf8"));
  }
  async stop() {
    execFileSync(path.join(this.peer, "chroma-server.sh"), ["stop", this.dir, String(this.port)], { stdio: "ignore" });
  }
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// --- Measurements ---------------------------------------------------------------------------------
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
async function timed(fn) {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

async function runOne(server, dataset, truth) {
  const out = {};
  live.add(server);
  await server.start();
  const client = new ChromaClient({ host: "127.0.0.1", port: server.port });
  const col = await client.createCollection({ name: "bench", configuration: { hnsw: { space: "cosine" } }, embeddingFunction: null });
  const log = (s) => console.error(`[${server.name}] ${s}`);
  // The server's own handling time of the requests to `route` since `mark` (ochre only).
  const handledSince = (mark, route) => (server.handled ? server.handled.slice(mark).filter(([r]) => r === route).map(([, ms]) => ms) : []);
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

  // Add, batches of 1,000, one client.
  const tAdd = performance.now();
  const fetchAdd = fetchClock.ms;
  const markAdd = server.handled?.length ?? 0;
  let prepMs = 0;
  for (let start = 0; start < N; start += BATCH) {
    const tb = performance.now();
    const ids = [], embeddings = [], documents = [], metadatas = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      ids.push(`id-${i}`);
      embeddings.push(row(dataset.data, i));
      documents.push(documentOf(i));
      metadatas.push({ category: i % 10, bucket: Math.floor(i / 10) % 100 });
    }
    prepMs += performance.now() - tb;
    await col.add({ ids, embeddings, documents, metadatas });
  }
  const addMs = performance.now() - tAdd;
  out.add_per_s = N / (addMs / 1000);
  // Per batch of 1,000: the JS client's own time (validation, base64, JSON; outside fetch and
  // outside this script's building of the batch), fetch's, and the server's handling (ochre).
  const batches = Math.ceil(N / BATCH);
  out.add_fetch_ms = (fetchClock.ms - fetchAdd) / batches;
  out.add_client_ms = (addMs - prepMs) / batches - out.add_fetch_ms;
  out.add_server_ms = mean(handledSince(markAdd, "add"));
  log(`add ${out.add_per_s.toFixed(0)} vectors/s`);

  // Queries right after the last add, while any background indexing still runs.
  const early = [];
  for (let q = 0; q < Math.min(100, QUERIES); q++) {
    early.push((await timed(() => col.query({ queryEmbeddings: [row(dataset.queries, q)], nResults: 10, include: ["distances"] })))[0]);
  }
  out.early_query_p50 = pct(early, 50);
  out.settle_s = await waitIdle(server.pid);
  log(`query p50 right after add ${out.early_query_p50.toFixed(2)} ms; idle ${out.settle_s.toFixed(0)} s later`);

  // Single-client query latency and recall@10, once the server is idle.
  const lat = [], own = [];
  let hits = 0;
  const markQuery = server.handled?.length ?? 0;
  for (let q = 0; q < QUERIES; q++) {
    const embedding = row(dataset.queries, q);
    const inFetch = fetchClock.ms;
    const [ms, r] = await timed(() => col.query({ queryEmbeddings: [embedding], nResults: 10, include: ["distances"] }));
    lat.push(ms);
    own.push(ms - (fetchClock.ms - inFetch));
    if (q < RECALL_QUERIES) hits += r.ids[0].filter((id) => truth[q].has(id)).length;
  }
  out.query_p50 = pct(lat, 50);
  out.query_p95 = pct(lat, 95);
  out.query_p99 = pct(lat, 99);
  out.recall = hits / (RECALL_QUERIES * 10);
  out.query_client_p50 = pct(own, 50);
  const srvQuery = handledSince(markQuery, "query");
  out.query_server_p50 = srvQuery.length ? pct(srvQuery, 50) : undefined;
  log(`query p50 ${out.query_p50.toFixed(2)} ms, recall ${out.recall.toFixed(4)}`);

  // fetch's heartbeat latency (undici, which the JS client uses). Connections per client are
  // counted at the end (wire.mjs).
  const hb = [];
  for (let i = 0; i < 200; i++) {
    hb.push((await timed(async () => (await fetch(`http://127.0.0.1:${server.port}/api/v2/heartbeat`)).text()))[0]);
  }
  out.heartbeat_p50 = pct(hb, 50);

  // The same single-client queries with idle keep-alive connections and slow senders open.
  Object.assign(
    out,
    await underPressure(server.port, PRESSURE, async () => {
      const pl = [];
      for (let q = 0; q < QUERIES; q++) {
        pl.push((await timed(() => col.query({ queryEmbeddings: [row(dataset.queries, q)], nResults: 10, include: ["distances"] })))[0]);
      }
      return { pressure_p50: pct(pl, 50), pressure_p99: pct(pl, 99), pressure_max: pct(pl, 100) };
    }),
  );
  log(`with ${PRESSURE.idle} idle + ${PRESSURE.slow} slow connections: query p50 ${out.pressure_p50.toFixed(2)} ms, p99 ${out.pressure_p99.toFixed(2)} ms`);

  // Four concurrent clients.
  const perClient = Math.ceil(QUERIES / 2);
  const tConc = performance.now();
  const concLat = [];
  await Promise.all(
    Array.from({ length: 4 }, async (_, c) => {
      const cl = new ChromaClient({ host: "127.0.0.1", port: server.port });
      const h = await cl.getCollection({ name: "bench", embeddingFunction: null });
      for (let k = 0; k < perClient; k++) {
        const [ms] = await timed(() => h.query({ queryEmbeddings: [row(dataset.queries, (k * 4 + c) % QUERIES)], nResults: 10, include: ["distances"] }));
        concLat.push(ms);
      }
    }),
  );
  out.conc_qps = (4 * perClient) / ((performance.now() - tConc) / 1000);
  out.conc_p50 = pct(concLat, 50);
  out.conc_p99 = pct(concLat, 99);

  // Filtered query (10% match) and get with where (1% match).
  const fl = [];
  for (let q = 0; q < Math.min(200, QUERIES); q++) {
    const [ms] = await timed(() => col.query({ queryEmbeddings: [row(dataset.queries, q)], nResults: 10, where: { category: 3 }, include: ["distances"] }));
    fl.push(ms);
  }
  out.filtered_p50 = pct(fl, 50);
  out.filtered_p95 = pct(fl, 95);
  const gl = [];
  let got = 0;
  for (let k = 0; k < 50; k++) {
    const [ms, r] = await timed(() => col.get({ where: { bucket: k % 100 } }));
    gl.push(ms);
    got = r.ids.length;
  }
  out.get_where_p50 = pct(gl, 50);
  out.get_where_rows = got;
  const cl = [];
  for (let k = 0; k < 50; k++) cl.push((await timed(() => col.count()))[0]);
  out.count_p50 = pct(cl, 50);

  // Delete 10% by ids, batches of 1,000.
  const toDelete = Array.from({ length: Math.floor(N / 10) }, (_, i) => `id-${i * 10 + 1}`);
  const [delMs] = await timed(async () => {
    for (let i = 0; i < toDelete.length; i += BATCH) await col.delete({ ids: toDelete.slice(i, i + BATCH) });
  });
  out.delete_per_s = toDelete.length / (delMs / 1000);
  out.count_after = await col.count();
  log(`deleted ${toDelete.length}, count ${out.count_after}`);

  out.rss_mb = rssMb(server.pid);
  ({ anon: out.rss_anon_mb, file: out.rss_file_mb } = rssSplitMb(server.pid));
  if (args.smaps !== undefined) log(`RSS by mapping: ${rssByMapping(server.pid).join("; ")}`);
  await server.stop();
  out.disk_mb = duMb(server.dir);

  // Restart to the first answered query.
  const tRestart = performance.now();
  await server.start();
  const c2 = new ChromaClient({ host: "127.0.0.1", port: server.port });
  const h2 = await c2.getCollection({ name: "bench", embeddingFunction: null });
  await h2.query({ queryEmbeddings: [row(dataset.queries, 0)], nResults: 10 });
  out.restart_ms = performance.now() - tRestart;
  out.rss_after_restart_mb = rssMb(server.pid);

  // where_document (issue 13): ochre builds its FTS index at a collection's first document filter,
  // so the first get pays for the build; then gets of one record each, and the disk once more.
  const wdGet = (i) => h2.get({ whereDocument: { $contains: `record ${i} ` } });
  out.wd_first_ms = (await timed(() => wdGet(4242)))[0];
  const wd = [];
  for (let k = 0; k < 100; k++) wd.push((await timed(() => wdGet((k * 7919) % N)))[0]);
  out.wd_p50 = pct(wd, 50);
  await server.stop();
  out.disk_after_wd_mb = duMb(server.dir);
  await server.start();
  const h3 = await new ChromaClient({ host: "127.0.0.1", port: server.port }).getCollection({ name: "bench", embeddingFunction: null });

  // Without the JS client: the query over node http (the exchange and the server alone), Python's
  // wire format (JSON floats) for add and query on a second collection, connections per client.
  const qv = (q) => row(dataset.queries, q);
  Object.assign(out, await rawLatencies(server.port, h3.id, { queries: QUERIES, query: qv, pct }));
  const markPy = server.handled?.length ?? 0;
  Object.assign(
    out,
    await pythonWire(server.port, {
      n: PY_N,
      batch: BATCH,
      queries: QUERIES,
      pct,
      query: qv,
      settle: () => waitIdle(server.pid),
      records: (start, end) => {
        const r = { ids: [], embeddings: [], documents: [], metadatas: [] };
        for (let i = start; i < end; i++) {
          r.ids.push(`id-${i}`);
          r.embeddings.push(row(dataset.data, i));
          r.documents.push(documentOf(i));
          r.metadatas.push({ category: i % 10, bucket: Math.floor(i / 10) % 100 });
        }
        return r;
      },
    }),
  );
  out.py_add_server_ms = mean(handledSince(markPy, "add"));
  log(`python wire format: add ${out.py_add_per_s.toFixed(0)} vectors/s, query p50 ${out.py_query_p50.toFixed(2)} ms`);
  Object.assign(out, await connectionsPerClient(server.port));
  log(`new connections for 200 heartbeats: ${Object.entries(out).filter(([k]) => k.startsWith("conn_")).map(([k, v]) => `${k.slice(5)} ${v}`).join(", ")}`);
  await server.stop();
  live.delete(server);
  server.cleanup();
  return out;
}

// --- Main -----------------------------------------------------------------------------------------
const METRICS = [
  ["add_per_s", "add (vectors/s)", true],
  ["add_client_ms", "  add: JS client's own ms per 1,000 (validation, base64, JSON)", false],
  ["add_fetch_ms", "  add: fetch ms per 1,000 (HTTP exchange + server)", false],
  ["add_server_ms", "  add: server's handling ms per 1,000 (body in to response)", false],
  ["early_query_p50", "query p50 right after add (ms)", false],
  ["settle_s", "server busy after last add (s)", false],
  ["query_p50", "query p50 (ms)", false],
  ["query_p95", "query p95 (ms)", false],
  ["query_p99", "query p99 (ms)", false],
  ["recall", "recall@10", true],
  ["query_client_p50", "  query: JS client's own time p50 (ms, outside fetch)", false],
  ["query_server_p50", "  query: server's handling p50 (ms, body in to response)", false],
  ["raw_query_p50", "query p50 over node http, body prebuilt (ms)", false],
  ["raw_heartbeat_p50", "heartbeat p50 over node http (ms)", false],
  ["py_add_per_s", "Python wire format (JSON floats): add (vectors/s)", true],
  ["py_add_http_per_s", "  add, HTTP only, without JSON.stringify (vectors/s)", true],
  ["py_add_serialize_ms", "  add: JSON.stringify ms per 1,000", false],
  ["py_add_server_ms", "  add: server's handling ms per 1,000", false],
  ["py_query_p50", "Python wire format: query p50 (ms)", false],
  ["py_query_p99", "Python wire format: query p99 (ms)", false],
  ["conn_fetch", "new connections for 200 heartbeats, fetch (new process)", false],
  ["conn_js_client", "new connections for 200 heartbeats, Chroma's JS client (new process)", false],
  ["conn_node_http", "new connections for 200 heartbeats, node http keep-alive agent", false],
  ["conn_curl", "new connections for 200 heartbeats, curl (200 URLs)", false],
  ["conn_python_requests", "new connections for 200 heartbeats, Python requests.Session", false],
  ["conn_python_httpx", "new connections for 200 heartbeats, Python httpx.Client", false],
  ["heartbeat_p50", "heartbeat p50, fetch (ms)", false],
  ["pressure_p50", "query p50 with idle+slow connections open (ms)", false],
  ["pressure_p99", "query p99 with idle+slow connections open (ms)", false],
  ["pressure_max", "query max with idle+slow connections open (ms)", false],
  ["conc_qps", "4 clients: queries/s", true],
  ["conc_p50", "4 clients: p50 (ms)", false],
  ["conc_p99", "4 clients: p99 (ms)", false],
  ["filtered_p50", "filtered query 10% p50 (ms)", false],
  ["filtered_p95", "filtered query 10% p95 (ms)", false],
  ["get_where_p50", "get where 1% p50 (ms)", false],
  ["get_where_rows", "get where 1% rows", true],
  ["count_p50", "count p50 (ms)", false],
  ["delete_per_s", "delete 10% by ids (ids/s)", true],
  ["count_after", "count after delete", true],
  ["restart_ms", "restart to first query (ms)", false],
  ["disk_mb", "on-disk size (MB)", false],
  ["wd_first_ms", "first get where_document (ms; ochre builds its FTS index)", false],
  ["wd_p50", "get where_document, 1 record, p50 after (ms)", false],
  ["disk_after_wd_mb", "on-disk size after where_document (MB)", false],
  ["rss_mb", "server RSS after workload (MB)", false],
  ["rss_anon_mb", "  of which anonymous (MB)", false],
  ["rss_file_mb", "  of which file-backed (MB)", false],
  ["rss_after_restart_mb", "server RSS after restart+query (MB)", false],
];

console.error(`generating ${N} x ${DIM} vectors and exact top-10 for ${RECALL_QUERIES} queries...`);
// Whatever happens, leave no server running: ochre is our child; Chroma runs detached.
const live = new Set();
process.on("exit", () => {
  for (const srv of live) {
    try {
      if (srv.proc) srv.proc.kill("SIGKILL");
      else execFileSync(path.join(srv.peer, "chroma-server.sh"), ["stop", srv.dir, String(srv.port)], { stdio: "ignore" });
    } catch {}
  }
});
const dataset = makeData();
const truth = groundTruth(dataset.data, dataset.queries);
const results = {};
if (ONLY !== "chroma") results.ochre = await runOne(new OchreServer(args["ochre-bin"]), dataset, truth);
if (ONLY !== "ochre") results.chroma = await runOne(new ChromaServer(args.peer), dataset, truth);

const fmt = (v) => (v === undefined ? "-" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));
console.log(`\nN=${N} dim=${DIM} queries=${QUERIES} batch=${BATCH} cosine; pressure ${PRESSURE.idle} idle + ${PRESSURE.slow} slow; node ${process.version}; ${new Date().toISOString()}`);
console.log(`| metric | ochre | chroma 1.4.4 | ochre / chroma |`);
console.log(`|---|---:|---:|---:|`);
for (const [key, label] of METRICS) {
  const a = results.ochre?.[key], b = results.chroma?.[key];
  const ratio = a !== undefined && b ? `${(a / b).toFixed(2)}x` : "-";
  console.log(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio} |`);
}
