// Copyright 2026 The OchreDB Authors.
//
// The C++ side of the BM25 parity test (parity.mjs): bm25_tool TEXTS.json OUT.json writes the native
// chroma_bm25 vector of each text ({"indices": [...], "values": [...]}, default config).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ochre/bm25.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bm25_tool TEXTS.json OUT.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json texts = nlohmann::json::parse(ss.str(), nullptr, false);
  if (texts.is_discarded() || !texts.is_array()) {
    std::cerr << "bm25_tool: " << argv[1] << " is not a JSON array of strings\n";
    return 1;
  }
  auto vectors = ochre::Bm25Embed(texts.get<std::vector<std::string>>(), ochre::Bm25Config{});
  if (!vectors.ok()) {
    std::cerr << "bm25_tool: " << vectors.status().ToString() << "\n";
    return 1;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : *vectors) {
    nlohmann::json values = nlohmann::json::array();
    for (float f : v.values) values.push_back(double(f));
    out.push_back({{"indices", v.indices}, {"values", values}});
  }
  std::ofstream(argv[2]) << out.dump();
  return 0;
}
