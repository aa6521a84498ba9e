// Copyright 2026 The OchreDB Authors.
#include "index/distance/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "index/distance/space.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

const size_t kDims[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 384, 768, 785, 1536};

struct Ref {
  double l2sq, dot, magnitude;  // magnitude: sum of |terms|, the scale of float rounding error
};

Ref Reference(const float* a, const float* b, size_t dim) {
  Ref r{0, 0, 0};
  for (size_t i = 0; i < dim; ++i) {
    double d = double(a[i]) - b[i];
    r.l2sq += d * d;
    r.dot += double(a[i]) * b[i];
    r.magnitude += std::abs(double(a[i]) * b[i]) + d * d;
  }
  return r;
}

// Float sums of `dim` terms drift by about dim * eps * magnitude in the worst case.
double Tolerance(const Ref& r, size_t dim) { return 1e-6 + 4e-7 * std::sqrt(double(dim)) * r.magnitude; }

TEST(DistanceTest, ScalarIsAlwaysAvailableAndActiveIsOneOfThem) {
  auto all = AvailableKernels();
  ASSERT_FALSE(all.empty());
  EXPECT_STREQ(all[0]->name, "scalar");
  bool found = false;
  for (auto* k : all) found |= (k == &ActiveKernels());
  EXPECT_TRUE(found) << ActiveKernels().name;
}

TEST(DistanceTest, EveryKernelMatchesDoubleReferenceOnOddDimensions) {
  std::mt19937 rng(1234);
  std::normal_distribution<float> g(0.0f, 3.0f);
  for (const DistanceKernels* k : AvailableKernels()) {
    for (size_t dim : kDims) {
      // One float of offset so that the SIMD loads are unaligned.
      std::vector<float> a(dim + 1), b(dim + 1);
      for (int trial = 0; trial < 5; ++trial) {
        for (auto& x : a) x = g(rng);
        for (auto& x : b) x = g(rng);
        Ref ref = Reference(a.data() + 1, b.data() + 1, dim);
        double tol = Tolerance(ref, dim);
        EXPECT_NEAR(k->l2sq(a.data() + 1, b.data() + 1, dim), ref.l2sq, tol) << k->name << " dim " << dim;
        EXPECT_NEAR(k->dot(a.data() + 1, b.data() + 1, dim), ref.dot, tol) << k->name << " dim " << dim;
      }
    }
  }
}

TEST(DistanceTest, Batch4MatchesSingleKernels) {
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (const DistanceKernels* k : AvailableKernels()) {
    for (size_t dim : kDims) {
      std::vector<float> q(dim), rows(4 * dim);
      for (auto& x : q) x = u(rng);
      for (auto& x : rows) x = u(rng);
      const float* r[4] = {rows.data(), rows.data() + dim, rows.data() + 2 * dim, rows.data() + 3 * dim};
      float l2[4], dot[4];
      k->l2sq_batch4(q.data(), r, dim, l2);
      k->dot_batch4(q.data(), r, dim, dot);
      for (int j = 0; j < 4; ++j) {
        Ref ref = Reference(q.data(), r[j], dim);
        double tol = Tolerance(ref, dim);
        EXPECT_NEAR(l2[j], ref.l2sq, tol) << k->name << " dim " << dim << " row " << j;
        EXPECT_NEAR(dot[j], ref.dot, tol) << k->name << " dim " << dim << " row " << j;
      }
    }
  }
}

TEST(DistanceTest, ZeroDimensionIsZero) {
  float a = 1, b = 2;
  for (const DistanceKernels* k : AvailableKernels()) {
    EXPECT_EQ(k->l2sq(&a, &b, 0), 0.0f) << k->name;
    EXPECT_EQ(k->dot(&a, &b, 0), 0.0f) << k->name;
  }
}

TEST(SpaceTest, DistancesAreChromas) {
  const float a[3] = {1, 2, 2};  // |a| = 3
  const float b[3] = {2, 0, 0};
  const float zero[3] = {0, 0, 0};
  QueryDistance l2(Space::kL2, a, 3), ip(Space::kIp, a, 3), cos(Space::kCosine, a, 3);
  EXPECT_FLOAT_EQ(l2.To(b, 0), 1 + 4 + 4);  // squared, no sqrt
  EXPECT_FLOAT_EQ(ip.To(b, 0), 1 - 2);      // may be negative
  EXPECT_FLOAT_EQ(cos.To(b, InverseNorm(b, 3)), 1.0f - 2.0f / (3 * 2));
  EXPECT_FLOAT_EQ(cos.To(a, InverseNorm(a, 3)), 0.0f);
  // A zero vector is at cosine distance 1 from everything, both as a row and as a query.
  EXPECT_EQ(InverseNorm(zero, 3), 0.0f);
  EXPECT_FLOAT_EQ(cos.To(zero, InverseNorm(zero, 3)), 1.0f);
  QueryDistance zq(Space::kCosine, zero, 3);
  EXPECT_FLOAT_EQ(zq.To(a, InverseNorm(a, 3)), 1.0f);
}

}  // namespace
}  // namespace ochre::index
