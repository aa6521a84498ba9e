// Copyright 2026 The OchreDB Authors.
#include "index/flat_index.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::BruteForce;
using testing::RefNeighbor;
using testing::TestRows;

std::vector<uint32_t> Iota(uint32_t n) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

// Every returned distance equals the reference at its rank (up to float rounding), and every
// returned row really is at the distance reported.
void ExpectMatchesReference(Space space, const TestRows& rows, const float* q, const std::vector<Neighbor>& got,
                            const std::vector<RefNeighbor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    double tol = 1e-4 * (1.0 + std::abs(want[i].distance));
    EXPECT_NEAR(got[i].distance, want[i].distance, tol) << "rank " << i;
    double actual = testing::ReferenceDistance(space, q, rows.Row(got[i].row), rows.dim());
    EXPECT_NEAR(got[i].distance, actual, tol) << "rank " << i << " row " << got[i].row;
    if (i > 0) {
      EXPECT_FALSE(got[i] < got[i - 1]) << "not sorted at " << i;
    }
  }
}

class FlatIndexSpaceTest : public ::testing::TestWithParam<Space> {};

TEST_P(FlatIndexSpaceTest, MatchesDoublePrecisionBruteForce) {
  const Space space = GetParam();
  const uint32_t dim = 37;
  TestRows rows(dim);
  rows.AppendAll(testing::UniformVectors(3000, dim, 7));
  FlatIndex index(space, rows.chunks());
  ASSERT_TRUE(index.Insert(Iota(rows.size())).ok());
  EXPECT_EQ(index.live_count(), 3000u);
  auto queries = testing::UniformVectors(20, dim, 8);
  for (int qi = 0; qi < 20; ++qi) {
    const float* q = queries.data() + qi * dim;
    auto got = index.Search(q, SearchParams{.k = 25});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectMatchesReference(space, rows, q, *got, BruteForce(space, rows, q, Iota(rows.size()), 25));
  }
}

INSTANTIATE_TEST_SUITE_P(AllSpaces, FlatIndexSpaceTest, ::testing::Values(Space::kL2, Space::kCosine, Space::kIp));

TEST(FlatIndexTest, EmptyIndexReturnsEmpty) {
  TestRows rows(4);
  FlatIndex index(Space::kL2, rows.chunks());
  float q[4] = {1, 2, 3, 4};
  auto got = index.Search(q, SearchParams{});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  EXPECT_EQ(index.live_count(), 0u);
}

TEST(FlatIndexTest, KAboveLiveCountReturnsAllLive) {
  TestRows rows(8);
  rows.AppendAll(testing::UniformVectors(10, 8, 3));
  FlatIndex index(Space::kL2, rows.chunks());
  ASSERT_TRUE(index.Insert(Iota(10)).ok());
  index.MarkDeleted(4);
  auto got = index.Search(rows.Row(0), SearchParams{.k = 100});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 9u);
  EXPECT_EQ((*got)[0].row, 0u);
  EXPECT_EQ((*got)[0].distance, 0.0f);
}

TEST(FlatIndexTest, DeletedRowsAreNeverReturned) {
  const uint32_t dim = 16;
  TestRows rows(dim);
  rows.AppendAll(testing::UniformVectors(500, dim, 11));
  FlatIndex index(Space::kCosine, rows.chunks());
  ASSERT_TRUE(index.Insert(Iota(500)).ok());
  std::vector<uint32_t> live;
  for (uint32_t r = 0; r < 500; ++r) {
    if (r % 3 == 0) {
      index.MarkDeleted(r);
    } else {
      live.push_back(r);
    }
  }
  index.MarkDeleted(0);  // twice: no effect
  EXPECT_EQ(index.live_count(), live.size());
  EXPECT_TRUE(index.IsDeleted(3));
  EXPECT_FALSE(index.IsDeleted(4));
  for (uint32_t qr : {0u, 3u, 7u}) {
    auto got = index.Search(rows.Row(qr), SearchParams{.k = 20});
    ASSERT_TRUE(got.ok());
    for (const Neighbor& n : *got) EXPECT_NE(n.row % 3, 0u);
    ExpectMatchesReference(Space::kCosine, rows, rows.Row(qr), *got,
                           BruteForce(Space::kCosine, rows, rows.Row(qr), live, 20));
  }
}

TEST(FlatIndexTest, AllowListRestrictsResults) {
  const uint32_t dim = 9;
  TestRows rows(dim);
  rows.AppendAll(testing::UniformVectors(2000, dim, 5));
  FlatIndex index(Space::kIp, rows.chunks());
  ASSERT_TRUE(index.Insert(Iota(2000)).ok());
  index.MarkDeleted(10);
  RowBitmap allow;
  std::vector<uint32_t> allowed;
  for (uint32_t r = 0; r < 2000; r += 37) {
    allow.Set(r);
    if (r != 10) allowed.push_back(r);
  }
  allow.Set(10);     // allowed but deleted: still never returned
  allow.Set(99999);  // allowed but not in the index
  auto q = testing::UniformVectors(1, dim, 6);
  auto got = index.Search(q.data(), SearchParams{.k = 10, .allow = &allow});
  ASSERT_TRUE(got.ok());
  ExpectMatchesReference(Space::kIp, rows, q.data(), *got, BruteForce(Space::kIp, rows, q.data(), allowed, 10));
  RowBitmap none;
  auto empty = index.Search(q.data(), SearchParams{.k = 10, .allow = &none});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(FlatIndexTest, TiesAreOrderedByRow) {
  TestRows rows(3);
  const float v[3] = {1, 0, 0}, w[3] = {0, 1, 0};
  for (int i = 0; i < 20; ++i) rows.Append(i % 2 ? v : w);
  FlatIndex index(Space::kL2, rows.chunks());
  // Inserted in scrambled order: order of insertion must not matter.
  std::vector<uint32_t> order = Iota(20);
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  ASSERT_TRUE(index.Insert(order).ok());
  auto got = index.Search(v, SearchParams{.k = 12});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 12u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ((*got)[i].row, uint32_t(2 * i + 1));
  EXPECT_EQ((*got)[10].row, 0u);
  EXPECT_EQ((*got)[11].row, 2u);
}

TEST(FlatIndexTest, RowsNotYetReadableAreRejected) {
  TestRows rows(2);
  const float v[2] = {1, 1};
  rows.Append(v);
  FlatIndex index(Space::kL2, rows.chunks());
  std::vector<uint32_t> bad = {0, 1};
  EXPECT_TRUE(index.Insert(bad).IsInvalidArgument());
  EXPECT_EQ(index.live_count(), 0u);  // nothing of the bad batch was added
  EXPECT_TRUE(index.Search(nullptr, SearchParams{}).status().IsInvalidArgument());
}

TEST(FlatIndexTest, SparseRowsAndKZero) {
  TestRows rows(4);
  rows.AppendAll(testing::UniformVectors(300, 4, 9));
  FlatIndex index(Space::kL2, rows.chunks());
  std::vector<uint32_t> some = {299, 5, 128, 64, 63};
  ASSERT_TRUE(index.Insert(some).ok());
  auto got = index.Search(rows.Row(0), SearchParams{.k = 10});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 5u);
  auto none = index.Search(rows.Row(0), SearchParams{.k = 0});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(FlatIndexTest, ParallelScanEqualsSingleThreaded) {
  // 40000 x 128 floats is past the parallel threshold.
  const uint32_t dim = 128, n = 40000;
  TestRows rows(dim, 12);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 50, 21));
  FlatIndex parallel(Space::kL2, rows.chunks(), 4), serial(Space::kL2, rows.chunks(), 1);
  ASSERT_TRUE(parallel.Insert(Iota(n)).ok());
  ASSERT_TRUE(serial.Insert(Iota(n)).ok());
  for (uint32_t r = 0; r < n; r += 7) parallel.MarkDeleted(r), serial.MarkDeleted(r);
  auto q = testing::ClusteredVectors(5, dim, 50, 22);
  for (int i = 0; i < 5; ++i) {
    auto a = parallel.Search(q.data() + i * dim, SearchParams{.k = 50});
    auto b = serial.Search(q.data() + i * dim, SearchParams{.k = 50});
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), 50u);
    for (size_t j = 0; j < 50; ++j) {
      EXPECT_EQ((*a)[j].row, (*b)[j].row);
      EXPECT_EQ((*a)[j].distance, (*b)[j].distance);
      EXPECT_NE((*a)[j].row % 7, 0u);
    }
  }
}

TEST(FlatIndexTest, FactoryMakesAWorkingIndex) {
  TestRows rows(5);
  rows.AppendAll(testing::UniformVectors(50, 5, 1));
  auto index = MakeFlatIndex(Space::kCosine, rows.chunks());
  EXPECT_EQ(index->space(), Space::kCosine);
  EXPECT_EQ(index->dim(), 5u);
  ASSERT_TRUE(index->Insert(Iota(50)).ok());
  auto got = index->Search(rows.Row(17), SearchParams{.k = 1});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].row, 17u);
  EXPECT_NEAR((*got)[0].distance, 0.0f, 1e-6);
}

}  // namespace
}  // namespace ochre::index
