// Connections: every common client keeps its connection alive across 200 requests (issue 13: with
// `Keep-Alive: timeout=2`, undici kept a socket 0 s and 200 heartbeats opened 200 connections), and
// a second server on a port in use fails instead of sharing it (issue 16). The server logs each
// accepted connection at debug level; the tests count those lines.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { ChromaClient } from "chromadb";
import { OCHRE_BIN, startServer, tempDir } from "./lib/harness.mjs";

const N = 200;
let server;

function opened() {
  return (server.stderr().match(/DEBUG connection \d+ opened/g) ?? []).length;
}

// Each client gets a fresh server, so that no pooled connection of an earlier test is reused.
async function countConnections(run) {
  await server.destroy();
  server = await startServer({ args: ["--log-level", "debug"] });
  const before = opened();
  await run();
  // The server logs an accept before it answers, but its stderr reaches this process through a
  // pipe, read by the event loop (blocked during spawnSync): give the last lines a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return opened() - before;
}

// Debian's python3-requests / python3-httpx live in /usr/bin/python3's path, which may not be the
// first python3 on PATH.
function pythonWith(module) {
  return ["/usr/bin/python3", "python3"].find((py) => spawnSync(py, ["-c", `import ${module}`]).status === 0);
}

before(async () => {
  server = await startServer({ args: ["--log-level", "debug"] });
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});

describe(`${N} requests reuse their connections`, () => {
  test("fetch (undici, as Chroma's JS client uses it)", async () => {
    const n = await countConnections(async () => {
      for (let i = 0; i < N; i++) {
        const r = await fetch(`${server.url}/api/v2/heartbeat`);
        assert.equal(r.status, 200);
        await r.text();
      }
    });
    console.log(`fetch: ${n} connections for ${N} requests`);
    assert.ok(n <= 2, `fetch opened ${n} connections`);
  });
  test("Chroma's JS client", async () => {
    const n = await countConnections(async () => {
      const client = new ChromaClient({ host: "127.0.0.1", port: server.port });
      for (let i = 0; i < N; i++) await client.heartbeat();
    });
    console.log(`chromadb JS client: ${n} connections for ${N} heartbeats`);
    assert.ok(n <= 2, `the JS client opened ${n} connections`);
  });
  test("node http with a keep-alive agent", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const n = await countConnections(async () => {
      for (let i = 0; i < N; i++) {
        await new Promise((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port: server.port, path: "/api/v2/heartbeat", agent }, (res) => {
              res.resume();
              res.on("end", resolve);
            })
            .on("error", reject);
        });
      }
    });
    agent.destroy();
    console.log(`node http agent: ${n} connections for ${N} requests`);
    assert.ok(n <= 2, `node http opened ${n} connections`);
  });
  test("curl, many URLs in one invocation", async (t) => {
    if (spawnSync("curl", ["--version"]).status !== 0) return t.skip("curl is not installed");
    const n = await countConnections(async () => {
      const urls = Array.from({ length: N }, () => `${server.url}/api/v2/heartbeat`);
      const r = spawnSync("curl", ["-sS", "-o", "/dev/null", ...urls]);
      assert.equal(r.status, 0, r.stderr.toString());
    });
    console.log(`curl: ${n} connections for ${N} requests`);
    assert.ok(n <= 2, `curl opened ${n} connections`);
  });
  for (const [module, code] of [
    ["requests", "import requests\ns = requests.Session()\nfor _ in range(N): assert s.get(URL).status_code == 200"],
    ["httpx", "import httpx\nc = httpx.Client()\nfor _ in range(N): assert c.get(URL).status_code == 200"],
  ]) {
    test(`python ${module}`, async (t) => {
      const python = pythonWith(module);
      if (!python) return t.skip(`python3-${module} is not installed`);
      const n = await countConnections(async () => {
        const script = `N = ${N}\nURL = "${server.url}/api/v2/heartbeat"\n${code}\n`;
        const r = spawnSync(python, ["-c", script]);
        assert.equal(r.status, 0, r.stderr.toString());
      });
      console.log(`python ${module}: ${n} connections for ${N} requests`);
      assert.ok(n <= 2, `python ${module} opened ${n} connections`);
    });
  }
  test("responses carry a keep-alive hint well above undici's 2 s margin", async () => {
    const r = await fetch(`${server.url}/api/v2/heartbeat`);
    await r.text();
    const m = /timeout=(\d+)/.exec(r.headers.get("keep-alive") ?? "");
    assert.ok(m && Number(m[1]) >= 10, `Keep-Alive: ${r.headers.get("keep-alive")}`);
  });
});

describe("the port", () => {
  test("a second server on a port in use fails with exit code 3, naming the port", () => {
    const r = spawnSync(OCHRE_BIN, ["run", "--path", tempDir(), "--host", "127.0.0.1", "--port", String(server.port)], {
      timeout: 20000,
    });
    assert.equal(r.status, 3, r.stderr.toString());
    assert.match(r.stderr.toString(), new RegExp(`port ${server.port} is in use`));
  });
});
