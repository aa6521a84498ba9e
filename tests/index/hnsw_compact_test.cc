// Copyright 2026 The OchreDB Authors.
#include "index/hnsw/hnsw_compact.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::TestRows;

constexpr uint32_t kDim = 24;
constexpr uint32_t kRows = 8000;
constexpr size_t kQueries = 300;
constexpr size_t kK = 10;

std::vector<uint32_t> Iota(uint32_t n) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

// The rows that stay live when a seeded `dead` fraction is deleted.
std::vector<uint32_t> LiveRows(uint32_t n, double dead, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<uint32_t> live;
  for (uint32_t r = 0; r < n; ++r) {
    if (u(rng) >= dead) live.push_back(r);
  }
  return live;
}

// An old collection (every row in its graph), and its compacted rows (the live ones, in order).
struct Fixture {
  Fixture(Space space, double dead, uint64_t seed = 7) : old_rows(kDim), new_rows(kDim) {
    data = testing::ClusteredVectors(kRows, kDim, 16, seed);
    old_rows.AppendAll(data);
    config.space = space;
    // One thread builds (a reproducible graph), two remap.
    config.num_threads = 2;
    build.space = space;
    build.num_threads = 1;
    old = MakeHnswIndex(build, old_rows.chunks());
    EXPECT_TRUE(old->Insert(Iota(kRows)).ok());
    live = LiveRows(kRows, dead, seed + 1);
    for (uint32_t r : live) new_rows.Append(old_rows.Row(r));
    queries = testing::ClusteredVectors(kQueries, kDim, 16, seed + 2);
  }

  std::unique_ptr<HnswIndex> Fresh() const {
    auto idx = MakeHnswIndex(build, new_rows.chunks());
    EXPECT_TRUE(idx->Insert(Iota(new_rows.size())).ok());
    return idx;
  }

  std::unique_ptr<HnswIndex> Remapped(const GraphSnapshot& snap) const {
    auto r = RemapGraph(snap, live, config, new_rows.chunks());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_TRUE(r->index->Insert(r->missing).ok());
    return std::move(r->index);
  }

  // Mean recall@10 of the graph search with beam `ef` (0: the default ef_search).
  double Recall(const HnswIndex& idx, size_t ef = 0) const {
    const std::vector<uint32_t> all = Iota(new_rows.size());
    double sum = 0;
    for (size_t q = 0; q < kQueries; ++q) {
      const float* query = queries.data() + q * kDim;
      std::vector<uint32_t> truth;
      for (const auto& n : testing::BruteForce(config.space, new_rows, query, all, kK)) truth.push_back(n.row);
      SearchParams p;
      p.k = kK;
      p.ef = ef;
      auto got = idx.Search(query, p, HnswIndex::FilterStrategy::kGraph);
      EXPECT_TRUE(got.ok());
      sum += testing::Recall(*got, truth);
    }
    return sum / double(kQueries);
  }

  std::vector<float> data, queries;
  TestRows old_rows, new_rows;
  HnswConfig config, build;
  std::unique_ptr<HnswIndex> old;
  std::vector<uint32_t> live;
};

class HnswCompactRecallTest : public ::testing::TestWithParam<std::tuple<Space, double>> {};

TEST_P(HnswCompactRecallTest, RecallMatchesAFreshBuildAndEveryRowFindsItself) {
  const auto [space, dead] = GetParam();
  Fixture f(space, dead);
  const GraphSnapshot snap = SnapshotGraph(*f.old, kRows);
  EXPECT_EQ(snap.nodes(), size_t(kRows));
  auto remapped = f.Remapped(snap);
  ASSERT_NE(remapped, nullptr);
  EXPECT_EQ(remapped->node_count(), f.live.size());
  EXPECT_EQ(remapped->live_count(), f.live.size());
  EXPECT_EQ(remapped->covered_rows(), f.live.size());
  // At the default beam, and at a narrow one (which shows a weaker graph more plainly).
  auto fresh_index = f.Fresh();
  for (size_t ef : {size_t(0), kK}) {
    const double fresh = f.Recall(*fresh_index, ef);
    const double remap = f.Recall(*remapped, ef);
    EXPECT_GE(remap, fresh - 0.005) << "ef " << ef << ": fresh " << fresh << ", remapped " << remap;
  }
  // Every live row is reachable: a graph search for its own vector finds it.
  for (uint32_t r = 0; r < f.new_rows.size(); ++r) {
    SearchParams p;
    p.k = 1;
    auto got = remapped->Search(f.new_rows.Row(r), p, HnswIndex::FilterStrategy::kGraph);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front().row, r) << "row " << r << " not found";
  }
}

INSTANTIATE_TEST_SUITE_P(DeadFractions, HnswCompactRecallTest,
                         ::testing::Combine(::testing::Values(Space::kL2, Space::kCosine),
                                            ::testing::Values(0.1, 0.3, 0.6)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == Space::kL2 ? "L2" : "Cosine") + "Dead" +
                                  std::to_string(int(std::get<1>(info.param) * 100));
                         });

TEST(HnswCompactTest, IsDeterministic) {
  Fixture f(Space::kCosine, 0.3);
  const GraphSnapshot snap = SnapshotGraph(*f.old, kRows);
  std::string a, b;
  ASSERT_TRUE(SaveGraph(*f.Remapped(snap), &a).ok());
  ASSERT_TRUE(SaveGraph(*f.Remapped(snap), &b).ok());
  EXPECT_EQ(a, b);
}

TEST(HnswCompactTest, RowsPastTheSnapshotAreLeftToTheCaller) {
  Fixture f(Space::kL2, 0.3);
  // The indexer had reached only the first 5000 rows.
  const GraphSnapshot snap = SnapshotGraph(*f.old, 5000);
  EXPECT_EQ(snap.nodes(), 5000u);
  auto r = RemapGraph(snap, f.live, f.config, f.new_rows.chunks());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const size_t below = size_t(std::lower_bound(f.live.begin(), f.live.end(), 5000u) - f.live.begin());
  EXPECT_EQ(r->index->node_count(), below);
  ASSERT_EQ(r->missing.size(), f.live.size() - below);
  for (size_t i = 0; i < r->missing.size(); ++i) EXPECT_EQ(r->missing[i], below + i);
  ASSERT_TRUE(r->index->Insert(r->missing).ok());
  EXPECT_EQ(r->index->node_count(), f.live.size());
  EXPECT_GE(f.Recall(*r->index), f.Recall(*f.Fresh()) - 0.005);
}

TEST(HnswCompactTest, DeadEntryPointIsReplaced) {
  Fixture f(Space::kL2, 0.0);
  GraphSnapshot snap = SnapshotGraph(*f.old, kRows);
  ASSERT_NE(snap.entry, HnswGraph::kNone);
  // Drop the entry point (and every other node of the top level) from the live rows.
  std::vector<uint32_t> live;
  for (uint32_t r = 0; r < kRows; ++r) {
    if (snap.level[r] < snap.entry_level) live.push_back(r);
  }
  TestRows rows(kDim);
  for (uint32_t r : live) rows.Append(f.old_rows.Row(r));
  auto remapped = RemapGraph(snap, live, f.config, rows.chunks());
  ASSERT_TRUE(remapped.ok()) << remapped.status().ToString();
  EXPECT_TRUE(remapped->missing.empty());
  for (uint32_t r = 0; r < rows.size(); r += 7) {
    SearchParams p;
    p.k = 1;
    auto got = remapped->index->Search(rows.Row(r), p, HnswIndex::FilterStrategy::kGraph);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ(got->front().row, r);
  }
}

TEST(HnswCompactTest, EveryRowDeadButOneAndNoRowInTheGraph) {
  Fixture f(Space::kCosine, 0.0);
  const GraphSnapshot snap = SnapshotGraph(*f.old, kRows);
  TestRows one(kDim);
  one.Append(f.old_rows.Row(4321));
  const std::vector<uint32_t> live = {4321};
  auto r = RemapGraph(snap, live, f.config, one.chunks());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->index->node_count(), 1u);
  SearchParams p;
  p.k = 3;
  auto got = r->index->Search(one.Row(0), p);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().row, 0u);

  const GraphSnapshot empty = SnapshotGraph(*MakeHnswIndex(f.config, f.old_rows.chunks()), kRows);
  auto none = RemapGraph(empty, live, f.config, one.chunks());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->index->node_count(), 0u);
  EXPECT_EQ(none->missing, std::vector<uint32_t>{0});
}

TEST(HnswCompactTest, OtherMaxNeighborsOrBadLiveRowsAreRefused) {
  Fixture f(Space::kL2, 0.3);
  const GraphSnapshot snap = SnapshotGraph(*f.old, kRows);
  HnswConfig other = f.config;
  other.max_neighbors = 8;
  auto r = RemapGraph(snap, f.live, other, f.new_rows.chunks());
  EXPECT_EQ(r.status().code(), StatusCode::kNotSupported) << r.status().ToString();
  std::vector<uint32_t> unsorted = {5, 3};
  EXPECT_EQ(RemapGraph(snap, unsorted, f.config, f.new_rows.chunks()).status().code(), StatusCode::kInvalidArgument);
  std::vector<uint32_t> too_many = Iota(f.new_rows.size() + 1);
  EXPECT_EQ(RemapGraph(snap, too_many, f.config, f.new_rows.chunks()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ochre::index
