// Where the time of one query over HTTP goes: the official JS client, fetch and node's http module
// against the same `ochre run`, each for a heartbeat and a query, so that the client's and HTTP's
// shares show beside the server's.
//   node probe_query.mjs OCHRE_BIN [N=20000]          (prints p50/p90 per way of asking)
//   node probe_query.mjs OCHRE_BIN N hold SECONDS     (a raw query loop, to profile the server:
//                                                      prints the server's pid; SETTLE=ms waits first)
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import http from "node:http";
import { ChromaClient } from "chromadb";
const N = Number(process.argv[3] ?? 20000), DIM = 384;
const bin = process.argv[2];
const dir = mkdtempSync(path.join(tmpdir(), "ochre-probe-"));
const proc = spawn(bin, ["run", "--path", dir, "--port", "0", "--log-level", "warn"], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise((res) => { let o = ""; proc.stdout.on("data", (d) => { o += d; const m = o.match(/listening on http:\/\/[^:]+:(\d+)/); if (m) res(Number(m[1])); }); });
let s = 7; const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
const centers = Array.from({ length: 1000 }, () => Array.from({ length: DIM }, g));
const vec = () => { const c = centers[Math.floor(r() * 1000)]; return c.map((x) => x + 0.6 * g()); };
const client = new ChromaClient({ host: "127.0.0.1", port });
const col = await client.createCollection({ name: "probe", configuration: { hnsw: { space: "cosine" } }, embeddingFunction: null });
for (let st = 0; st < N; st += 1000) {
  const ids = [], embeddings = [], metadatas = [];
  for (let i = st; i < st + 1000; i++) { ids.push(`id-${i}`); embeddings.push(vec()); metadatas.push({ c: i % 10 }); }
  await col.add({ ids, embeddings, metadatas });
}
await new Promise((res) => setTimeout(res, Number(process.env.SETTLE ?? 8000)));
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p / 100)];
async function measure(name, fn, n = 1000) {
  for (let i = 0; i < 50; i++) await fn();
  const lat = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await fn(); lat.push(performance.now() - t); }
  console.log(`${name.padEnd(40)} p50 ${pct(lat, 50).toFixed(3)} ms  p90 ${pct(lat, 90).toFixed(3)}`);
}
const qs = Array.from({ length: 64 }, vec); let qi = 0;
if (process.argv[4] === "hold") { console.log("PID", proc.pid, "PORT", port, "COL", col.id); const qpath = `/api/v2/tenants/default_tenant/databases/default_database/collections/${col.id}/query`; const bodies = Array.from({ length: 64 }, () => JSON.stringify({ query_embeddings: [vec()], n_results: 10, include: ["distances"] })); const agent = new http.Agent({ keepAlive: true }); const t0 = performance.now(); let n = 0; while (performance.now() - t0 < Number(process.argv[5] ?? 30) * 1000) { await new Promise((res) => { const req = http.request({ host: "127.0.0.1", port, method: "POST", path: qpath, agent, headers: { "content-type": "application/json" } }, (resp) => { resp.resume(); resp.on("end", res); }); req.write(bodies[n++ % 64]); req.end(); }); } console.log("queries", n, "per s", n / ((performance.now() - t0) / 1000)); proc.kill("SIGTERM"); process.exit(0); }
await measure("client heartbeat", () => client.heartbeat());
await measure("client query", () => col.query({ queryEmbeddings: [qs[qi++ % 64]], nResults: 10, include: ["distances"] }));
const agent = new http.Agent({ keepAlive: true });
const raw = (method, p, body) => new Promise((res, rej) => {
  const req = http.request({ host: "127.0.0.1", port, method, path: p, agent, headers: body ? { "content-type": "application/json" } : {} }, (resp) => { let d = ""; resp.on("data", (c) => (d += c)); resp.on("end", () => res(d)); });
  req.on("error", rej); if (body) req.write(body); req.end();
});
const qpath = `/api/v2/tenants/default_tenant/databases/default_database/collections/${col.id}/query`;
await measure("raw http heartbeat", () => raw("GET", "/api/v2/heartbeat"));
await measure("raw http query", () => raw("POST", qpath, JSON.stringify({ query_embeddings: [qs[qi++ % 64]], n_results: 10, include: ["distances"] })));
const bodies = qs.map((q) => JSON.stringify({ query_embeddings: [q], n_results: 10, include: ["distances"] }));
await measure("raw http query (prebuilt body)", () => raw("POST", qpath, bodies[qi++ % 64]));
await measure("fetch query (prebuilt body)", () => fetch(`http://127.0.0.1:${port}${qpath}`, { method: "POST", headers: { "content-type": "application/json" }, body: bodies[qi++ % 64] }).then((x) => x.text()));
await measure("fetch heartbeat", () => fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`).then((x) => x.text()));
proc.kill("SIGTERM");
