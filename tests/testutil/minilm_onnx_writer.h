// Copyright 2026 The OchreDB Authors.
//
// Writes ONNX models with all-MiniLM-L6-v2's architecture and random weights, for tests and the
// benchmark (CI has no real weights): the graph Hugging Face's export has (Gather embeddings,
// LayerNormalization, MatMul + Add with named biases and anonymous matrices, 12-head attention
// with the extended mask, exact GELU with Erf), runnable by onnxruntime. Options make it wrong on
// purpose for the refusal tests.
#pragma once

#include <cstdint>
#include <string>

namespace ochre::testutil {

struct MiniLmOnnxOptions {
  int vocab = 1000;  // 30522 for the full-size model
  int layers = 6;
  int heads = 12;  // the reshape to heads x head size (384 / heads)
  int hidden = 384;
  uint64_t seed = 1;
  std::string drop_weight;    // the name of an initializer to leave out
  bool torch_layout = false;  // linear weights as "<layer>.weight" [out x in] instead of MatMul inputs
};

// The serialized model.
std::string MakeMiniLmOnnx(const MiniLmOnnxOptions& options);

}  // namespace ochre::testutil
