// Copyright 2026 The OchreDB Authors.
//
// The built-in, model-free embedding function: a signed feature hash of each text's words and of
// the character 3-grams of each word (with boundary markers), L2-normalised. Deterministic across
// runs and machines (FNV-1a, no std::hash), so stored vectors and new query vectors agree.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "ochre/embedding_function.h"

namespace ochre {

namespace {

uint64_t Fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class HashingEmbeddingFunction final : public EmbeddingFunction {
 public:
  explicit HashingEmbeddingFunction(int dim) : dim_(dim) {}

  Result<FloatMatrix> Embed(const std::vector<std::string>& texts) const override {
    std::vector<float> data(texts.size() * size_t(dim_), 0.0f);
    for (size_t i = 0; i < texts.size(); ++i) EmbedOne(texts[i], data.data() + i * size_t(dim_));
    return FloatMatrix(size_t(dim_), std::move(data));
  }

  std::string Name() const override { return "ochre_hashing"; }
  std::string ConfigJson() const override { return "{\"dim\":" + std::to_string(dim_) + "}"; }

 private:
  void AddFeature(std::string_view feature, float weight, float* out) const {
    uint64_t h = Fnv1a(feature, 0x9e3779b97f4a7c15ull);
    uint32_t bucket = uint32_t(h % uint64_t(dim_));
    float sign = ((h >> 63) & 1u) ? -1.0f : 1.0f;
    out[bucket] += sign * weight;
  }

  void EmbedOne(std::string_view text, float* out) const {
    std::string word;
    auto flush = [&] {
      if (word.empty()) return;
      AddFeature(word, 1.0f, out);
      std::string padded = "<" + word + ">";
      for (size_t i = 0; i + 3 <= padded.size(); ++i) AddFeature(std::string_view(padded).substr(i, 3), 0.5f, out);
      word.clear();
    };
    for (unsigned char c : text) {
      if (std::isalnum(c) || c >= 0x80) {
        word.push_back(char(c >= 0x80 ? c : std::tolower(c)));
      } else {
        flush();
      }
    }
    flush();
    double norm = 0;
    for (int i = 0; i < dim_; ++i) norm += double(out[i]) * out[i];
    if (norm == 0) {
      out[0] = 1.0f;  // an empty text still gets a valid unit vector (cosine needs a non-zero norm)
      return;
    }
    float inv = float(1.0 / std::sqrt(norm));
    for (int i = 0; i < dim_; ++i) out[i] *= inv;
  }

  int dim_;
};

}  // namespace

std::shared_ptr<EmbeddingFunction> MakeHashingEmbeddingFunction(int dim) {
  return std::make_shared<HashingEmbeddingFunction>(dim < 1 ? 384 : dim);
}

std::shared_ptr<EmbeddingFunction> DefaultEmbeddingFunction() { return MakeMiniLmEmbeddingFunction(); }

Result<std::shared_ptr<EmbeddingFunction>> EmbeddingFunctionFromDescriptor(const EmbeddingFunctionDescriptor& d) {
  if (d.type == "known" && d.name == "ochre_hashing") {
    // The config is {"dim":N}; read N without a JSON dependency in this layer.
    int dim = 384;
    auto pos = d.config_json.find("\"dim\"");
    if (pos != std::string::npos) {
      pos = d.config_json.find(':', pos);
      if (pos != std::string::npos) dim = std::atoi(d.config_json.c_str() + pos + 1);
    }
    if (dim < 1 || dim > 65536) return Status::InvalidArgument("ochre_hashing: bad dim in " + d.config_json);
    return MakeHashingEmbeddingFunction(dim);
  }
  // Chroma's names for all-MiniLM-L6-v2: "default" (DefaultEmbeddingFunction, what its clients record)
  // and "onnx_mini_lm_l6_v2" (ONNXMiniLM_L6_V2). The model is looked up on first use, not here.
  if (d.type == "known" && (d.name == "default" || d.name == "onnx_mini_lm_l6_v2"))
    return MakeMiniLmEmbeddingFunction();
  return Status::NotFound("no built-in embedding function named '" + d.name + "'");
}

}  // namespace ochre
