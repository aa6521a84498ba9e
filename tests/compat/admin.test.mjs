// Tenants and databases through the official AdminClient, and a ChromaClient scoped to them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AdminClient, ChromaClient, ChromaNotFoundError, ChromaUniqueError } from "chromadb";
import { startServer } from "./lib/harness.mjs";

let server;
let admin;

before(async () => {
  server = await startServer();
  admin = new AdminClient({ host: "127.0.0.1", port: server.port });
});
after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await server.destroy();
});

test("tenants: create, get, duplicate, missing", async () => {
  await admin.createTenant({ name: "acme" });
  assert.equal((await admin.getTenant({ name: "acme" })), "acme");
  await assert.rejects(admin.createTenant({ name: "acme" }), ChromaUniqueError);
  await assert.rejects(admin.getTenant({ name: "nobody" }), ChromaNotFoundError);
});

test("databases: create under a tenant that was never created (as Chroma)", async () => {
  await admin.createDatabase({ name: "test", tenant: "foo" });
  const db = await admin.getDatabase({ name: "test", tenant: "foo" });
  assert.equal(db.name, "test");
  assert.equal(db.tenant, "foo");
});

test("databases: list in name order with limit and offset; delete", async () => {
  await admin.createTenant({ name: "lister" });
  for (const n of ["test3", "test1", "test4", "test0", "test2"]) await admin.createDatabase({ name: n, tenant: "lister" });
  const first = await admin.listDatabases({ tenant: "lister", limit: 2 });
  assert.deepEqual(first.map((d) => d.name), ["test0", "test1"]);
  const rest = await admin.listDatabases({ tenant: "lister", offset: 2 });
  assert.deepEqual(rest.map((d) => d.name), ["test2", "test3", "test4"]);
  await assert.rejects(admin.createDatabase({ name: "test1", tenant: "lister" }), ChromaUniqueError);
  await admin.deleteDatabase({ name: "test1", tenant: "lister" });
  await assert.rejects(admin.getDatabase({ name: "test1", tenant: "lister" }), ChromaNotFoundError);
});

test("collections are scoped by tenant and database", async () => {
  await admin.createTenant({ name: "scoped" });
  await admin.createDatabase({ name: "db-one", tenant: "scoped" });
  await admin.createDatabase({ name: "db-two", tenant: "scoped" });
  const one = new ChromaClient({ host: "127.0.0.1", port: server.port, tenant: "scoped", database: "db-one" });
  const two = new ChromaClient({ host: "127.0.0.1", port: server.port, tenant: "scoped", database: "db-two" });
  const c = await one.createCollection({ name: "shared-name", embeddingFunction: null });
  await c.add({ ids: ["a"], embeddings: [[1, 2]] });
  assert.equal(c.tenant, "scoped");
  assert.equal(c.database, "db-one");
  await assert.rejects(two.getCollection({ name: "shared-name" }), ChromaNotFoundError);
  const c2 = await two.createCollection({ name: "shared-name", embeddingFunction: null });
  assert.notEqual(c2.id, c.id);
  assert.equal(await c2.count(), 0);
  assert.equal(await c.count(), 1);
  assert.equal(await one.countCollections(), 1);
});
