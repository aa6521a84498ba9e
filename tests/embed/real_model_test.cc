// Copyright 2026 The OchreDB Authors.
//
// The real all-MiniLM-L6-v2 weights, when a model is installed (OCHRE_MODEL_DIR, our cache or
// Chroma's); skipped with a message otherwise (CI has none). The vectors of the generated models
// are checked against onnxruntime in tests/embed/parity; here the real model must load and give
// the semantic neighbours a sentence embedding gives.
#include <gtest/gtest.h>

#include <cstdlib>

#include "ochre/embedding_function.h"

namespace ochre {
namespace {

double Dot(const float* a, const float* b) {
  double s = 0;
  for (int i = 0; i < 384; ++i) s += double(a[i]) * b[i];
  return s;
}

TEST(RealMiniLmTest, SimilarSentencesAreNeighbours) {
  auto dir = FindDefaultModel();
  if (!dir.ok()) GTEST_SKIP() << "no all-MiniLM-L6-v2 installed (" << dir.status().message() << ")";
  auto ef = LoadMiniLmEmbeddingFunction(*dir);
  ASSERT_TRUE(ef.ok()) << ef.status().ToString();
  auto v = (*ef)->Embed(
      {"A cat is sitting on the mat.", "A kitten rests on a rug.", "The stock market fell sharply today."});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_NEAR(Dot(v->row(0), v->row(0)), 1.0, 1e-5);
  EXPECT_GT(Dot(v->row(0), v->row(1)), Dot(v->row(0), v->row(2)) + 0.2);
}

}  // namespace
}  // namespace ochre
