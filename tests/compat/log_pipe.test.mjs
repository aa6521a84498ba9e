// The access log never stalls the server: with its stderr a pipe that nobody reads (a supervisor
// that stopped draining it), every request still completes. The log is written by a background
// thread from a bounded queue (src/server/log.h); before, the event loop blocked on a full pipe.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startServer } from "./lib/harness.mjs";

function heartbeat(agent, port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/api/v2/heartbeat", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
  });
}

test("requests complete while the server's stderr pipe is full and unread", { timeout: 60000 }, async () => {
  const server = await startServer({ args: ["--log-level", "info"] });
  try {
    // Stop reading stderr: node's buffer (64 KiB) and the pipe (64 KiB) fill after ~1,300 lines.
    server.proc.stderr.pause();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const total = 6000;
    let ok = 0;
    for (let i = 0; i < total; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => heartbeat(agent, server.port)));
      ok += batch.filter((s) => s === 200).length;
    }
    agent.destroy();
    assert.equal(ok, total);
  } finally {
    server.proc.stderr.resume();
    await server.destroy();
  }
});
