// Where the time of one add over HTTP goes: the batch's preparation in the script, the JS client's
// add call, and the server's own handling of it (from its access log).
//   node probe_add.mjs OCHRE_BIN [N=30000]
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChromaClient } from "chromadb";
const bin = process.argv[2], DIM = 384, N = Number(process.argv[3] ?? 30000);
const dir = mkdtempSync(path.join(tmpdir(), "ochre-addprobe-"));
const proc = spawn(bin, ["run", "--path", dir, "--port", "0", "--log-level", "info"], { stdio: ["ignore", "pipe", "pipe"] });
let log = "";
proc.stderr.on("data", (d) => (log += d));
const port = await new Promise((res) => { let o = ""; proc.stdout.on("data", (d) => { o += d; log += d; const m = o.match(/listening on http:\/\/[^:]+:(\d+)/); if (m) res(Number(m[1])); }); });
let s = 7; const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const client = new ChromaClient({ host: "127.0.0.1", port });
const col = await client.createCollection({ name: "probe", configuration: { hnsw: { space: "cosine" } }, embeddingFunction: null });
const data = new Float32Array(N * DIM); for (let i = 0; i < data.length; i++) data[i] = r() - 0.5;
const W = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "heath", "indigo", "jade"];
let prep = 0, call = 0;
const t0 = performance.now();
for (let st = 0; st < N; st += 1000) {
  const a = performance.now();
  const ids = [], embeddings = [], documents = [], metadatas = [];
  for (let i = st; i < st + 1000; i++) { ids.push(`id-${i}`); embeddings.push(Array.from(data.subarray(i * DIM, (i + 1) * DIM))); documents.push(`record ${i} ${W[i % 10]} ${W[Math.floor(i / 10) % 10]}`); metadatas.push({ category: i % 10, bucket: Math.floor(i / 10) % 100 }); }
  const b = performance.now();
  await col.add({ ids, embeddings, documents, metadatas });
  const c = performance.now();
  prep += b - a; call += c - b;
}
const total = performance.now() - t0;
console.log(`total ${total.toFixed(0)} ms = ${(N / total * 1000).toFixed(0)}/s; batch prep ${(prep / (N / 1000)).toFixed(1)} ms, add call ${(call / (N / 1000)).toFixed(1)} ms per batch`);
proc.kill("SIGTERM");
await new Promise((res) => proc.on("exit", res));
const lines = log.split("\n").filter((l) => l.includes("/add"));
const ms = lines.map((l) => Number((l.match(/ (\d+\.\d+)ms /) ?? [0, NaN])[1])).filter((x) => !isNaN(x));
console.log(`server-side add: n=${ms.length} mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(1)} ms; sample: ${lines[3]}`);
