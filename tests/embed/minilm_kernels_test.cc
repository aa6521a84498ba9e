// Copyright 2026 The OchreDB Authors.
//
// The SIMD versions of the encoder's kernels (AVX2, AVX-512, whichever this CPU runs) against the
// scalar reference (libm's erf and exp) on random inputs, for sequence lengths around the vector
// widths and block sizes.
#include "embed/minilm_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace ochre::embed {
namespace {

std::vector<float> Random(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

TEST(MiniLmKernelsTest, ScalarIsAlwaysAvailableAndTheActiveOneIsListed) {
  auto all = AvailableMiniLmKernels();
  ASSERT_FALSE(all.empty());
  EXPECT_STREQ(all[0]->name, "scalar");
  bool listed = false;
  for (auto* k : all) listed |= k == &ActiveMiniLmKernels();
  EXPECT_TRUE(listed);
}

TEST(MiniLmKernelsTest, AttentionMatchesTheScalarVersion) {
  const MiniLmKernels& ref = *AvailableMiniLmKernels()[0];
  const size_t stride = 3 * 384, ctx_stride = 384;
  for (size_t len : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 256, 300}) {
    // Scores of a few units (as in a trained model) and a few large ones, to test the softmax's max.
    std::vector<float> qkv = Random(len * stride, 1.5f, uint32_t(len));
    qkv[5] = 40.0f;
    std::vector<float> want(len * ctx_stride, -1.0f);
    std::vector<float> scratch(AttendScratchFloats(len));
    ref.attend_head(qkv.data() + 32, qkv.data() + 384 + 32, qkv.data() + 768 + 32, stride, len, want.data() + 32,
                    ctx_stride, scratch.data());
    for (const MiniLmKernels* k : AvailableMiniLmKernels()) {
      std::vector<float> got(len * ctx_stride, -1.0f);
      std::fill(scratch.begin(), scratch.end(), NAN);  // nothing may depend on the scratch's contents
      k->attend_head(qkv.data() + 32, qkv.data() + 384 + 32, qkv.data() + 768 + 32, stride, len, got.data() + 32,
                     ctx_stride, scratch.data());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5f * std::max(1.0f, std::abs(want[i])))
            << k->name << " len " << len << " row " << i / ctx_stride << " col " << i % ctx_stride;
      }
    }
  }
}

TEST(MiniLmKernelsTest, GeluMatchesTheScalarVersion) {
  const MiniLmKernels& ref = *AvailableMiniLmKernels()[0];
  std::vector<float> x = Random(4099, 3.0f, 7);
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-8f, 5.0f, -5.0f, 12.0f, -12.0f, 30.0f, -30.0f, 100.0f, -100.0f}) {
    x.push_back(v);
  }
  std::vector<float> want = x;
  ref.gelu(want.data(), want.size());
  for (const MiniLmKernels* k : AvailableMiniLmKernels()) {
    std::vector<float> got = x;
    k->gelu(got.data(), got.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 3e-7f * std::max(1.0f, std::abs(x[i]))) << k->name << " x = " << x[i];
    }
  }
}

TEST(MiniLmKernelsTest, AddLayerNormMatchesTheScalarVersion) {
  const MiniLmKernels& ref = *AvailableMiniLmKernels()[0];
  const size_t rows = 5;
  std::vector<float> x = Random(rows * 384, 2.0f, 1), y = Random(rows * 384, 1.0f, 2);
  std::vector<float> g = Random(384, 1.0f, 3), b = Random(384, 0.5f, 4);
  for (size_t i = 0; i < 384; ++i) x[4 * 384 + i] = 3.0f;  // a constant row: variance 0
  for (bool residual : {false, true}) {
    std::vector<float> want = x;
    ref.add_layer_norm(want.data(), residual ? y.data() : nullptr, rows, g.data(), b.data());
    for (const MiniLmKernels* k : AvailableMiniLmKernels()) {
      std::vector<float> got = x;
      k->add_layer_norm(got.data(), residual ? y.data() : nullptr, rows, g.data(), b.data());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 2e-5f) << k->name << " residual " << residual << " at " << i;
      }
    }
  }
}

}  // namespace
}  // namespace ochre::embed
