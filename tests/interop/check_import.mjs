// Compares a server's answers (OchreDB's `ochre run` over an imported directory) with the answers the
// real Chroma server gave on the same data (make_chroma_dir.mjs's JSON). Exits 1 on any difference.
//
//   node check_import.mjs URL EXPECTED.json
const [url, expectedPath] = process.argv.slice(2);
import { readFileSync } from 'node:fs';
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));

async function call(method, path, body) {
  const r = await fetch(url + '/api/v2' + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}
let failures = 0;
const fail = (msg) => { failures++; if (failures < 30) console.error('FAIL ' + msg); };
const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
const f32 = (x) => Math.fround(x);

for (const e of expected.collections) {
  const where = `${e.tenant}/${e.database}/${e.name}`;
  const scope = `/tenants/${e.tenant}/databases/${e.database}`;
  const info = await call('GET', `${scope}/collections/${e.name}`);
  if (canon(info.metadata) !== canon(e.metadata)) fail(`${where}: metadata ${canon(info.metadata)} != ${canon(e.metadata)}`);
  const hc = info.configuration_json.hnsw, he = e.configuration.hnsw;
  for (const k of ['space', 'ef_construction', 'ef_search', 'max_neighbors', 'sync_threshold', 'resize_factor'])
    if (hc[k] !== he[k]) fail(`${where}: hnsw.${k} ${hc[k]} != ${he[k]}`);
  if (canon(info.configuration_json.embedding_function ?? null) !== canon(e.configuration.embedding_function ?? null))
    fail(`${where}: embedding_function ${canon(info.configuration_json.embedding_function)} != ${canon(e.configuration.embedding_function)}`);
  const count = await call('GET', `${scope}/collections/${info.id}/count`);
  if (count !== e.count) fail(`${where}: count ${count} != ${e.count}`);
  const got = await call('POST', `${scope}/collections/${info.id}/get`, { include: ['embeddings', 'documents', 'metadatas', 'uris'] });
  const g = e.get;
  if (canon(got.ids) !== canon(g.ids)) { fail(`${where}: get ids differ (${got.ids.length} vs ${g.ids.length})`); continue; }
  for (let i = 0; i < g.ids.length; i++) {
    if ((got.documents[i] ?? null) !== (g.documents[i] ?? null)) fail(`${where} ${g.ids[i]}: document ${got.documents[i]} != ${g.documents[i]}`);
    if (canon(got.metadatas[i] ?? null) !== canon(g.metadatas[i] ?? null)) fail(`${where} ${g.ids[i]}: metadata ${canon(got.metadatas[i])} != ${canon(g.metadatas[i])}`);
    if ((got.uris?.[i] ?? null) !== (g.uris?.[i] ?? null)) fail(`${where} ${g.ids[i]}: uri ${got.uris?.[i]} != ${g.uris?.[i]}`);
    const a = got.embeddings[i], b = g.embeddings[i];
    if (a.length !== b.length) { fail(`${where} ${g.ids[i]}: dimension`); continue; }
    // l2/ip: bit-exact as float32. cosine: Chroma's get returns its HNSW copy (normalised, times the
    // stored norm), one rounding away from what was written; the import keeps the written bits when
    // the queue still has them, so allow that one rounding there.
    const tol = he.space === 'cosine' ? 3e-7 : 0;
    for (let k = 0; k < a.length; k++) {
      if (Math.abs(f32(a[k]) - f32(b[k])) > tol * Math.max(1, Math.abs(b[k]))) { fail(`${where} ${g.ids[i]}: embedding[${k}] ${a[k]} != ${b[k]} (float32)`); break; }
    }
  }
  for (const q of e.queries) {
    const res = await call('POST', `${scope}/collections/${info.id}/query`, { query_embeddings: [q.embedding], n_results: 10, include: ['documents', 'metadatas', 'distances'] });
    const ids = res.ids[0], dist = res.distances[0];
    // HNSW is approximate on both sides: the big collection may differ in the last places; every
    // id both return must agree in distance, and the first 5 must be the same records.
    const exact = e.count <= 2000;
    if (exact ? canon(ids) !== canon(q.ids) : canon(ids.slice(0, 5)) !== canon(q.ids.slice(0, 5)))
      fail(`${where}: query ids ${ids} != ${q.ids}`);
    let common = 0;
    for (let k = 0; k < q.ids.length; k++) {
      const j = ids.indexOf(q.ids[k]);
      if (j < 0) continue;
      common++;
      if (Math.abs(dist[j] - q.distances[k]) > 1e-5) fail(`${where}: distance of ${q.ids[k]} ${dist[j]} != ${q.distances[k]}`);
      if (canon(res.metadatas[0][j] ?? null) !== canon(q.metadatas[k] ?? null)) fail(`${where}: query metadata of ${q.ids[k]}`);
      if ((res.documents[0][j] ?? null) !== (q.documents[k] ?? null)) fail(`${where}: query document of ${q.ids[k]}`);
    }
    if (common < Math.min(9, q.ids.length)) fail(`${where}: only ${common} of ${q.ids.length} query results in common`);
  }
  console.log(`ok ${where}: ${g.ids.length} records, ${e.queries.length} queries`);
}
if (failures) { console.error(`${failures} differences`); process.exit(1); }
console.log('all collections answer as Chroma does');
