// Makes a real Chroma persist directory through the real Chroma server's v2 REST API, then records
// Chroma's own answers (get with every column, queries) in a JSON file, for the import test to
// compare OchreDB's answers against.
//
//   node make_chroma_dir.mjs URL OUT.json [--big N]
//
// Contents: l2 / cosine / ip collections; adds, updates, upserts and deletes; a small collection whose
// writes are all still only in embeddings_queue (fewer than sync_threshold); a big one (N records,
// default 20000) whose HNSW files are in use; metadata of every type including arrays; documents;
// uris; an empty collection; a collection with a known embedding-function descriptor; two more
// tenants/databases.
const [url, outPath, ...rest] = process.argv.slice(2);
const big = rest[0] === '--big' ? Number(rest[1]) : 20000;
import { writeFileSync } from 'node:fs';

let seed = 12345;
function rnd() {
  // xorshift32, deterministic
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
const vec = (dim) => Array.from({ length: dim }, () => Math.fround(rnd() * 2 - 1));

async function call(method, path, body) {
  const r = await fetch(url + '/api/v2' + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const scopePath = (t, d) => `/tenants/${t}/databases/${d}`;
async function createCollection(t, d, name, configuration, metadata) {
  const body = { name, configuration };
  if (metadata) body.metadata = metadata;
  return call('POST', scopePath(t, d) + '/collections', body);
}
const op = (c, what, body) => call('POST', `${scopePath(c.tenant, c.database)}/collections/${c.id}/${what}`, body);

function record(i, dim, withExtras) {
  const md = { i, f: i + 0.5, even: i % 2 === 0, s: `item-${i}` };
  if (withExtras) {
    md.tags = [`t${i % 3}`, `t${i % 5}`];
    md.nums = [i, i * 2, -i];
    md.fl = [i * 0.25, 1.5];
    md.flags = [i % 2 === 0, true];
    if (i % 7 === 0) md.whole = 3.0; // a float that is a whole number stays a float
  }
  return { id: `id-${i}`, embedding: vec(dim), document: `document number ${i} about ${i % 4 === 0 ? 'cats' : 'dogs'}`, metadata: md, uri: i % 3 === 0 ? `s3://bucket/${i}` : null };
}

async function addRecords(c, recs, how = 'add') {
  for (let k = 0; k < recs.length; k += 1000) {
    const b = recs.slice(k, k + 1000);
    const body = { ids: b.map((r) => r.id), embeddings: b.map((r) => r.embedding), documents: b.map((r) => r.document), metadatas: b.map((r) => r.metadata) };
    if (b.some((r) => r.uri !== null)) body.uris = b.map((r) => r.uri ?? '');
    await op(c, how, body);
  }
}

const made = [];
await call('POST', '/tenants', { name: 'acme' });
await call('POST', '/tenants/acme/databases', { name: 'prod' });
await call('POST', '/tenants/acme/databases', { name: 'staging' });

// 1. l2, small: every write only in the queue.
{
  const c = await createCollection('default_tenant', 'default_database', 'l2_small', { hnsw: { space: 'l2' } }, { owner: 'ann', version: 2 });
  const recs = Array.from({ length: 300 }, (_, i) => record(i, 8, true));
  await addRecords(c, recs);
  await op(c, 'update', { ids: ['id-1', 'id-2', 'id-3'], metadatas: [{ s: 'changed', extra: 9 }, { f: null }, { tags: ['new'] }], documents: ['new doc one', 'new doc two', 'new doc three'] });
  await op(c, 'update', { ids: ['id-4', 'id-5'], embeddings: [vec(8), vec(8)] });
  await op(c, 'upsert', { ids: ['id-6', 'new-1', 'new-2'], embeddings: [vec(8), vec(8), vec(8)], metadatas: [{ up: true }, { up: 1 }, null], documents: ['upserted six', 'upserted new one', null] });
  await op(c, 'delete', { ids: ['id-10', 'id-11', 'id-12', 'new-2'] });
  await op(c, 'delete', { where: { i: { $gte: 290 } } });
  made.push({ c, dim: 8 });
}
// 2. cosine, big: HNSW files in use, the newest writes in the queue only.
{
  const c = await createCollection('default_tenant', 'default_database', 'cos_big', { hnsw: { space: 'cosine', ef_construction: 100, ef_search: 100, max_neighbors: 16 } });
  const recs = Array.from({ length: big }, (_, i) => record(i, 32, i % 10 === 0));
  await addRecords(c, recs);
  await op(c, 'delete', { ids: Array.from({ length: 100 }, (_, k) => `id-${k * 7}`) });
  await op(c, 'update', { ids: Array.from({ length: 50 }, (_, k) => `id-${k * 11 + 1}`), embeddings: Array.from({ length: 50 }, () => vec(32)) });
  await op(c, 'upsert', { ids: ['id-3', 'fresh-1'], embeddings: [vec(32), vec(32)], documents: ['upsert 3', 'fresh'] });
  made.push({ c, dim: 32 });
}
// 3. ip with a non-default configuration, persisted more often.
{
  const c = await createCollection('default_tenant', 'default_database', 'ip_mid', { hnsw: { space: 'ip', ef_construction: 150, ef_search: 50, max_neighbors: 12, sync_threshold: 500, batch_size: 200 } });
  const recs = Array.from({ length: 1500 }, (_, i) => record(i, 16, i % 2 === 0));
  await addRecords(c, recs);
  await op(c, 'delete', { ids: ['id-0', 'id-1499', 'id-700'] });
  await op(c, 'upsert', { ids: ['id-5', 'id-1600'], embeddings: [vec(16), vec(16)], metadatas: [{ x: 'y' }, { x: 'z' }] });
  made.push({ c, dim: 16 });
}
// 4. empty; 5. an embedding-function descriptor.
made.push({ c: await createCollection('default_tenant', 'default_database', 'empty', { hnsw: { space: 'cosine' } }, { note: 'nothing here' }), dim: 4 });
{
  const c = await createCollection('default_tenant', 'default_database', 'with_ef', { embedding_function: { type: 'known', name: 'openai', config: { model_name: 'text-embedding-3-small', api_key_env_var: 'CHROMA_OPENAI_API_KEY' } } });
  await addRecords(c, Array.from({ length: 5 }, (_, i) => record(i, 6, false)));
  made.push({ c, dim: 6 });
}
// 6. other tenants and databases: the same collection name in two databases.
for (const d of ['prod', 'staging']) {
  const c = await createCollection('acme', d, 'docs', { hnsw: { space: 'l2' } }, { db: d });
  await addRecords(c, Array.from({ length: d === 'prod' ? 40 : 7 }, (_, i) => record(i + (d === 'prod' ? 0 : 1000), 4, true)));
  made.push({ c, dim: 4 });
}

// Chroma's answers.
const out = { collections: [] };
for (const { c, dim } of made) {
  const info = await call('GET', `${scopePath(c.tenant, c.database)}/collections/${c.name}`);
  const got = await op(c, 'get', { include: ['embeddings', 'documents', 'metadatas', 'uris'] });
  const queries = [];
  const n = got.ids.length;
  for (let q = 0; q < 4 && n > 0; q++) {
    const base = got.embeddings[Math.floor((q * 7919) % n)];
    const qv = base.map((x) => Math.fround(x + (rnd() - 0.5) * 0.01));
    const res = await op(c, 'query', { query_embeddings: [qv], n_results: 10, include: ['documents', 'metadatas', 'distances', 'uris'] });
    queries.push({ embedding: qv, ids: res.ids[0], distances: res.distances[0], documents: res.documents[0], metadatas: res.metadatas[0] });
  }
  const count = await call('GET', `${scopePath(c.tenant, c.database)}/collections/${c.id}/count`);
  out.collections.push({ tenant: c.tenant, database: c.database, name: c.name, dim, metadata: info.metadata, configuration: info.configuration_json, count, get: got, queries });
}
writeFileSync(outPath, JSON.stringify(out));
console.log(`made ${made.length} collections; expected answers in ${outPath}`);
