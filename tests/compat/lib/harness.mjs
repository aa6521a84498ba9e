// Starts and stops `ochre run` for the compatibility tests, and sends raw HTTP requests that the
// official client never would (custom Host headers, malformed bodies).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const OCHRE_BIN = process.env.OCHRE_BIN ?? path.resolve(here, "../../../build/src/cli/ochre");

// Servers still running when this process exits (a failed assertion before stop(), a crash) are
// killed, so that no test leaves an orphan behind.
const running = new Set();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export function tempDir(prefix = "ochre-compat-") {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// Starts the server on a free port (--port 0; the server prints the one it bound). Resolves once it
// listens. `stop()` sends SIGTERM and resolves with the exit code.
// `openFiles`: the server's open-file limit, soft and hard (ulimit -n), set by a shell that then execs it.
export async function startServer({ dir, args = [], env = {}, allowReset = true, openFiles } = {}) {
  const dataDir = dir ?? tempDir();
  const argv = ["run", "--path", dataDir, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn", ...args];
  if (allowReset) argv.push("--allow-reset");
  const [cmd, cmdArgs] = openFiles
    ? ["/bin/sh", ["-c", `ulimit -n ${Number(openFiles)} && exec "$0" "$@"`, OCHRE_BIN, ...argv]]
    : [OCHRE_BIN, argv];
  const proc = spawn(cmd, cmdArgs, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d.toString()));
  const exited = new Promise((resolve) =>
    proc.on("exit", (code, signal) => {
      running.delete(proc);
      resolve(code ?? signal);
    }),
  );
  const port = await new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d.toString();
      const m = out.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    exited.then((code) => reject(new Error(`ochre run exited (${code}) before listening:\n${stderr}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    dir: dataDir,
    port,
    url,
    proc,
    exited,
    stderr: () => stderr,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    async destroy() {
      await this.stop();
      if (!dir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// One HTTP request with full control over headers and body. Resolves with status, headers, the
// body text and the parsed JSON (or undefined).
export function rawRequest(port, { method = "GET", path: p = "/", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const COLLECTIONS = "/api/v2/tenants/default_tenant/databases/default_database/collections";

// A deterministic embedding function for queryTexts tests: letter counts, 8 dimensions.
export class LetterEmbedding {
  constructor() {
    this.name = "letter_counts";
  }
  async generate(texts) {
    return texts.map((t) => {
      const v = new Array(8).fill(0);
      for (const ch of t.toLowerCase()) v[ch.charCodeAt(0) % 8] += 1;
      return v;
    });
  }
  getConfig() {
    return {};
  }
}
