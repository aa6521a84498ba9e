// Connection measurements for bench.mjs, the same for both servers:
// - how many TCP connections a client opens for 200 requests, counted from the kernel's socket table
//   (/proc/net/tcp{,6}: closed connections stay there in TIME_WAIT for 60 s), so neither server's
//   own accounting is trusted;
// - a normal client's latency while many idle keep-alive connections and slow senders are open
//   (issue 15: 2,000 idle connections made a request wait up to 24 s on the old server).
import { readFileSync } from "node:fs";
import net from "node:net";

// The client-side ports of every socket in the table that talks to `port` on loopback.
function clientPorts(port) {
  const ports = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const local = parseInt(f[1].split(":")[1], 16);
      const remote = parseInt(f[2].split(":")[1], 16);
      if (remote === port) ports.add(local);
      else if (local === port) ports.add(remote);
    }
  }
  return ports;
}

// Connections opened by `run` (new client ports that appear while it runs).
export async function countConnections(port, run) {
  const before = clientPorts(port);
  await run();
  let n = 0;
  for (const p of clientPorts(port)) if (!before.has(p)) n++;
  return n;
}

function heartbeatOn(socket, host) {
  return new Promise((resolve, reject) => {
    let got = "";
    const onData = (d) => {
      got += d.toString();
      const end = got.indexOf("\r\n\r\n");
      if (end >= 0) {
        const m = /content-length:\s*(\d+)/i.exec(got.slice(0, end));
        if (!m || got.length >= end + 4 + Number(m[1])) {
          socket.off("data", onData);
          resolve(got);
        }
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(`GET /api/v2/heartbeat HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  });
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

// Opens `idle` keep-alive connections (each has had one request answered) and `slow` senders
// (a request head trickled a byte a second), runs `measure`, then closes them all. Returns what
// measure returned, with how many of the pressure connections the server closed meanwhile.
export async function underPressure(port, { idle = 2000, slow = 100 }, measure) {
  const sockets = [];
  let closedByServer = 0;
  const track = (s) => {
    sockets.push(s);
    s.on("error", () => {});
    s.on("close", () => closedByServer++);
  };
  for (let i = 0; i < idle; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, idle - i) }, () => connect(port)));
    await Promise.all(batch.map((s) => heartbeatOn(s, "127.0.0.1")));
    batch.forEach(track);
  }
  const head = "POST /api/v2/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  const slowSockets = [];
  for (let i = 0; i < slow; i++) {
    const s = await connect(port);
    track(s);
    s.write(head.slice(0, 10));
    slowSockets.push({ s, sent: 10 });
  }
  const trickle = setInterval(() => {
    for (const x of slowSockets) {
      if (x.sent < head.length && !x.s.destroyed) x.s.write(head[x.sent++]);
    }
  }, 1000);
  const closedBefore = closedByServer;
  try {
    const result = await measure();
    return { ...result, pressure_closed: closedByServer - closedBefore };
  } finally {
    clearInterval(trickle);
    for (const s of sockets) s.destroy();
  }
}
