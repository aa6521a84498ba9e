// Copyright 2026 The OchreDB Authors.
//
// The C++ side of the parity tests and the benchmark (driven by parity.mjs and bench/embed):
//   embed_tool gen-model OUT.onnx VOCAB SEED      random-weight MiniLM-L6 model (test only)
//   embed_tool tokenize VOCAB.txt TEXTS.json OUT.json   ids ([CLS] ... [SEP], 256 at most)
//   embed_tool embed-ids MODEL.onnx IDS.json OUT.json   pooled, normalised vectors of id lists
//   embed_tool embed-texts MODEL_DIR TEXTS.json OUT.json
//   embed_tool bench MODEL_DIR TEXTS.json THREADS SECONDS  prints {"docs_per_s":...}
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "embed/minilm_model.h"
#include "embed/wordpiece_tokenizer.h"
#include "ochre/embedding_function.h"
#include "testutil/minilm_onnx_writer.h"

using nlohmann::json;

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "embed_tool: %s\n", what.c_str());
  return 1;
}

bool ReadJson(const std::string& path, json* out) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  *out = json::parse(ss.str(), nullptr, false);
  return !out->is_discarded();
}

bool WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  return bool(out);
}

json Rows(const std::vector<float>& v, size_t dim) {
  json rows = json::array();
  for (size_t i = 0; i < v.size(); i += dim) rows.push_back(std::vector<float>(v.begin() + i, v.begin() + i + dim));
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty()) return Fail("no command");
  if (a[0] == "gen-model" && a.size() == 4) {
    ochre::testutil::MiniLmOnnxOptions o;
    o.vocab = std::stoi(a[2]);
    o.seed = std::stoull(a[3]);
    return WriteFile(a[1], ochre::testutil::MakeMiniLmOnnx(o)) ? 0 : Fail("cannot write " + a[1]);
  }
  if (a[0] == "tokenize" && a.size() == 4) {
    auto tok = ochre::embed::WordPieceTokenizer::FromVocabFile(a[1]);
    if (!tok.ok()) return Fail(tok.status().ToString());
    json texts;
    if (!ReadJson(a[2], &texts)) return Fail("bad json " + a[2]);
    json out = json::array();
    for (auto& t : texts) out.push_back(tok.value()->Encode(t.get<std::string>(), 256));
    return WriteFile(a[3], out.dump()) ? 0 : Fail("cannot write " + a[3]);
  }
  if (a[0] == "embed-ids" && a.size() == 4) {
    auto model = ochre::embed::MiniLmModel::Load(a[1]);
    if (!model.ok()) return Fail(model.status().ToString());
    json ids;
    if (!ReadJson(a[2], &ids)) return Fail("bad json " + a[2]);
    std::vector<std::vector<int32_t>> seqs = ids.get<std::vector<std::vector<int32_t>>>();
    std::vector<float> out;
    auto s = model.value()->Embed(seqs, &out);
    if (!s.ok()) return Fail(s.ToString());
    return WriteFile(a[3], Rows(out, 384).dump()) ? 0 : Fail("cannot write " + a[3]);
  }
  if ((a[0] == "embed-texts" && a.size() == 4) || (a[0] == "bench" && a.size() == 5)) {
    auto ef = ochre::LoadMiniLmEmbeddingFunction(a[1]);
    if (!ef.ok()) return Fail(ef.status().ToString());
    json texts;
    if (!ReadJson(a[2], &texts)) return Fail("bad json " + a[2]);
    std::vector<std::string> docs = texts.get<std::vector<std::string>>();
    if (a[0] == "bench") {
      ochre::embed::MiniLmModel::SetThreads(std::stoi(a[3]));
      double seconds = std::stod(a[4]);
      size_t done = 0;
      auto start = std::chrono::steady_clock::now();
      double elapsed = 0;
      do {
        auto r = ef.value()->Embed(docs);
        if (!r.ok()) return Fail(r.status().ToString());
        done += docs.size();
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      } while (elapsed < seconds);
      std::printf("{\"docs_per_s\": %.2f, \"docs\": %zu, \"seconds\": %.3f}\n", double(done) / elapsed, done, elapsed);
      return 0;
    }
    auto r = ef.value()->Embed(docs);
    if (!r.ok()) return Fail(r.status().ToString());
    return WriteFile(a[3], Rows(r.value().data(), 384).dump()) ? 0 : Fail("cannot write " + a[3]);
  }
  return Fail("usage: see the comment at the top of embed_tool.cc");
}
