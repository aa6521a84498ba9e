// Fills a real Chroma server with N records of DIM random float32 (documents and a little metadata),
// for the import-chroma benchmark.   node make_big_chroma.mjs URL N DIM
const [url, n, dim] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
let seed = 7;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
async function call(path, body) {
  const r = await fetch(url + '/api/v2' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}
const base = '/tenants/default_tenant/databases/default_database/collections';
const c = await call(base, { name: 'bench', configuration: { hnsw: { space: 'cosine' } } });
for (let k = 0; k < n; k += 1000) {
  const m = Math.min(1000, n - k);
  const ids = [], embeddings = [], documents = [], metadatas = [];
  for (let i = k; i < k + m; i++) {
    ids.push(`id-${i}`);
    embeddings.push(Array.from({ length: dim }, () => Math.fround(rnd() * 2 - 1)));
    documents.push(`document ${i}`);
    metadatas.push({ i, group: `g${i % 10}` });
  }
  await call(`${base}/${c.id}/add`, { ids, embeddings, documents, metadatas });
}
console.log(`added ${n} x ${dim}`);
