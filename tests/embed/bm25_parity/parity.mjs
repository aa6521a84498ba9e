// Parity of OchreDB's native chroma_bm25 (src/embed/bm25_embedding.cc) with Chroma's own JS package
// @chroma-core/chroma-bm25 (pinned in package-lock.json, test only) on a few thousand generated texts:
// the same dimensions, and values equal as float32 (ours are float32; Chroma's JS keeps doubles,
// which the server stores as f32).
//
// ASCII texts only: for non-ASCII, Chroma's two clients disagree with each other (the JS package
// hashes UTF-16 code units truncated to bytes and counts a token's length in UTF-16 units; the
// Python one, which ours follows, hashes UTF-8 and counts code points). Unit tests
// (tests/embed/bm25_test.cc) cover the Unicode rules against Python's.
//
// usage: node parity.mjs path/to/ochre_bm25_tool
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChromaBm25EmbeddingFunction } from "@chroma-core/chroma-bm25";

const tool = process.argv[2];
if (!tool) throw new Error("usage: node parity.mjs ochre_bm25_tool");

// A deterministic generator (mulberry32), so that a failure reproduces.
let seed = 20260314;
const rand = () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const words = (
  "the quick brown fox jumps over lazy dog running runner runs ran easily fairly generously " +
  "databases vector search embedding embeddings embedded hybrid keyword ranking ranked ranks " +
  "connection connections connected connecting relational nationalization hopeful hopefully " +
  "caresses ponies ties caress cats agreed disabled matting mating meeting milling messing " +
  "happy happiness sky skies dying lying tying news innings outing canning herring earring " +
  "proceed exceed succeed andes cosmos gently ugly early only singly is are was were a an of " +
  "don't it's you're o'clock e-mail state-of-the-art x86_64 v2 3.14 2026 42nd COVID-19 " +
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 supercalifragilisticexpialidocious"
).split(" ");
const punct = [" ", " ", " ", ", ", ". ", "! ", "? ", " - ", "; ", ": ", " (", ") ", "\n", "\t", " / ", "'", "\"", "...", "__"];
const texts = ["", "   ", "the and of", "!!!", "A", "x".repeat(41), "x".repeat(40)];
while (texts.length < 3000) {
  const n = 1 + Math.floor(rand() * 40);
  let s = "";
  for (let i = 0; i < n; i++) {
    let w = pick(words);
    const r = rand();
    if (r < 0.1) w = w.toUpperCase();
    else if (r < 0.2) w = w[0].toUpperCase() + w.slice(1);
    s += w + pick(punct);
  }
  texts.push(s);
}

const dir = mkdtempSync(join(tmpdir(), "ochre-bm25-parity-"));
try {
  writeFileSync(join(dir, "texts.json"), JSON.stringify(texts));
  execFileSync(tool, [join(dir, "texts.json"), join(dir, "ours.json")], { stdio: "inherit" });
  const ours = JSON.parse(readFileSync(join(dir, "ours.json"), "utf8"));
  const ef = new ChromaBm25EmbeddingFunction();
  const theirs = await ef.generate(texts);
  let failures = 0;
  for (let i = 0; i < texts.length; i++) {
    const a = ours[i], b = theirs[i];
    const same =
      a.indices.length === b.indices.length &&
      a.indices.every((x, j) => x === b.indices[j]) &&
      a.values.every((x, j) => x === Math.fround(b.values[j]));
    if (!same) {
      if (failures++ < 5) {
        console.error(`text ${i}: ${JSON.stringify(texts[i])}\n  ours   ${JSON.stringify(a)}\n  chroma ${JSON.stringify(b)}`);
      }
    }
  }
  if (failures) {
    console.error(`[bm25 parity] ${failures} of ${texts.length} texts differ from @chroma-core/chroma-bm25`);
    process.exit(1);
  }
  console.log(`[bm25 parity] ${texts.length} texts: the same sparse vectors as @chroma-core/chroma-bm25`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
