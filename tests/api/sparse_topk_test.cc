// Copyright 2026 The OchreDB Authors.
//
// SparseIndex::TopK prunes (MaxScore, api/sparse_topk.cc) but must answer exactly as scoring every
// posting: the same records, the same float32 scores, ties by rid. Checked against an exhaustive
// reference on random indexes built to stress the pruning: Zipf-sized posting lists (a few very
// long), coarse values (many exact ties), negative values, removals (stale list bounds), allowed
// sets, n from 1 past the number of matches, and queries past the pruned path's term limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "api/sparse_index.h"

namespace ochre::api {
namespace {

using Hit = SparseIndex::Hit;

std::vector<Hit> Exhaustive(const std::map<int64_t, SparseVector>& records, const SparseVector& q, size_t n,
                            const std::vector<int64_t>* allowed) {
  std::vector<Hit> all;
  for (const auto& [rid, v] : records) {
    if (allowed && !std::binary_search(allowed->begin(), allowed->end(), rid)) continue;
    float dot = 0;
    bool shared = false;
    size_t j = 0;
    for (size_t i = 0; i < q.indices.size(); ++i) {
      while (j < v.indices.size() && v.indices[j] < q.indices[i]) ++j;
      if (j < v.indices.size() && v.indices[j] == q.indices[i]) {
        dot += q.values[i] * v.values[j];
        shared = true;
      }
    }
    if (shared) all.push_back(Hit{rid, 1.0f - dot});
  }
  std::sort(all.begin(), all.end(),
            [](const Hit& a, const Hit& b) { return a.score < b.score || (a.score == b.score && a.rid < b.rid); });
  if (all.size() > n) all.resize(n);
  return all;
}

class SparseTopKTest : public ::testing::TestWithParam<int> {};

TEST_P(SparseTopKTest, MatchesExhaustiveScoring) {
  std::mt19937 rng(GetParam());
  const bool negative = GetParam() % 2 == 1;
  const uint32_t dims = 300;
  // Dimension d appears in a record with probability ~ 0.9 / (1 + d)^0.8: dims 0-3 in most records.
  std::vector<double> p(dims);
  for (uint32_t d = 0; d < dims; ++d) p[d] = 0.9 / std::pow(1.0 + d, 0.8);
  std::uniform_real_distribution<double> u(0, 1);
  auto value = [&] {
    int v = int(rng() % 8) + 1;  // coarse: equal dots are common
    if (negative && rng() % 4 == 0) v = -v;
    return float(v) / 4.0f;
  };
  auto random_record = [&] {
    SparseVector v;
    for (uint32_t d = 0; d < dims; ++d) {
      if (u(rng) < p[d] * 0.3) {
        v.indices.push_back(d);
        v.values.push_back(value());
      }
    }
    return v;
  };
  SparseIndex index;
  std::map<int64_t, SparseVector> records;
  for (int64_t rid = 1; rid <= 4000; ++rid) {
    SparseVector v = random_record();
    Metadata m{{"sv", v}};
    index.Add(rid, &m);
    records[rid] = v;
  }
  // Remove a third and change some: list bounds go stale (they are never lowered).
  std::vector<SparseIndex::Change> changes;
  for (int64_t rid = 1; rid <= 4000; rid += 3) {
    SparseIndex::Change c;
    c.rid = rid;
    c.existed = true;
    c.before = Metadata{{"sv", records[rid]}};
    if (rid % 2 == 0) {
      SparseVector v = random_record();
      c.exists = true;
      c.after = Metadata{{"sv", v}};
      records[rid] = v;
    } else {
      records.erase(rid);
    }
    changes.push_back(std::move(c));
  }
  index.Apply(changes);

  for (int probe = 0; probe < 300; ++probe) {
    SparseVector q;
    const size_t terms = probe % 10 == 9 ? 40 : 1 + rng() % 6;  // 40: past the pruned path's limit
    std::set<uint32_t> picked;
    while (picked.size() < terms) picked.insert(rng() % 2 == 0 ? rng() % 8 : rng() % dims);
    for (uint32_t d : picked) {
      q.indices.push_back(d);
      q.values.push_back(value());
    }
    const size_t n = std::vector<size_t>{1, 2, 5, 10, 16, 100, 5000}[rng() % 7];
    std::vector<int64_t> allowed;  // ascending; loose (3 in 4) or selective (1 in 50)
    const bool filtered = probe % 3 == 0;
    const unsigned keep_one_in = probe % 2 == 0 ? 50 : 0;
    if (filtered) {
      for (const auto& [rid, v] : records) {
        if (keep_one_in ? rng() % keep_one_in == 0 : rng() % 4 != 0) allowed.push_back(rid);
      }
      allowed.push_back(1 << 30);  // a rid no list holds
    }
    auto got = index.TopK("sv", q, n, filtered ? &allowed : nullptr);
    auto want = Exhaustive(records, q, n, filtered ? &allowed : nullptr);
    ASSERT_EQ(got.size(), want.size()) << "probe " << probe;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].rid, want[i].rid) << "probe " << probe << " rank " << i;
      ASSERT_EQ(got[i].score, want[i].score) << "probe " << probe << " rank " << i;  // bit for bit
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, SparseTopKTest, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace ochre::api
