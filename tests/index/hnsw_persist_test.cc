// Copyright 2026 The OchreDB Authors.
#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "index/hnsw/hnsw_index.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::TestRows;

constexpr size_t kHeaderSize = 160;  // format version 2

std::vector<uint32_t> Iota(uint32_t n) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

class HnswPersistTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kDim = 20;
  static constexpr uint32_t kRows = 3000;

  HnswPersistTest() : rows_(kDim) {
    rows_.AppendAll(testing::ClusteredVectors(kRows, kDim, 16, 41));
    config_.space = Space::kCosine;
    config_.max_neighbors = 8;
    config_.num_threads = 2;
    index_ = MakeHnswIndex(config_, rows_.chunks());
    EXPECT_TRUE(index_->Insert(Iota(kRows)).ok());
    for (uint32_t r = 0; r < kRows; r += 11) index_->MarkDeleted(r);
    EXPECT_TRUE(SaveGraph(*index_, &bytes_).ok());
  }

  // Recomputes both checksums, so that a test reaches the checks behind them.
  static void Reseal(std::string* b) {
    std::string_view body = std::string_view(*b).substr(kHeaderSize);
    EncodeFixed32(b->data() + 72, crc32c::Value(body));
    EncodeFixed32(b->data() + 76, crc32c::Extend(crc32c::Value(b->data(), 76), b->data() + 80, kHeaderSize - 80));
  }

  TestRows rows_;
  HnswConfig config_;
  std::unique_ptr<HnswIndex> index_;
  std::string bytes_;
};

TEST_F(HnswPersistTest, RoundTripGivesIdenticalResults) {
  auto loaded = LoadGraph(config_, rows_.chunks(), bytes_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  HnswIndex& copy = **loaded;
  EXPECT_EQ(copy.live_count(), index_->live_count());
  EXPECT_EQ(copy.node_count(), index_->node_count());
  EXPECT_EQ(copy.covered_rows(), kRows);
  EXPECT_TRUE(copy.IsDeleted(11));
  auto queries = testing::ClusteredVectors(50, kDim, 16, 42);
  for (size_t i = 0; i < 50; ++i) {
    const float* q = queries.data() + i * kDim;
    for (auto strategy : {HnswIndex::FilterStrategy::kGraph, HnswIndex::FilterStrategy::kAuto}) {
      auto a = index_->Search(q, SearchParams{.k = 10, .ef = 40}, strategy);
      auto b = copy.Search(q, SearchParams{.k = 10, .ef = 40}, strategy);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size());
      for (size_t j = 0; j < a->size(); ++j) {
        EXPECT_EQ((*a)[j].row, (*b)[j].row);
        EXPECT_EQ((*a)[j].distance, (*b)[j].distance);
      }
    }
  }
  // Saving the loaded graph gives the same bytes.
  std::string again;
  ASSERT_TRUE(SaveGraph(copy, &again).ok());
  EXPECT_EQ(again, bytes_);
}

TEST_F(HnswPersistTest, LoadedGraphAcceptsMoreRows) {
  auto loaded = LoadGraph(config_, rows_.chunks(), bytes_);
  ASSERT_TRUE(loaded.ok());
  rows_.AppendAll(testing::ClusteredVectors(500, kDim, 16, 43));
  std::vector<uint32_t> more(500);
  std::iota(more.begin(), more.end(), kRows);
  ASSERT_TRUE((*loaded)->Insert(more).ok());
  EXPECT_EQ((*loaded)->covered_rows(), kRows + 500);
  auto got = (*loaded)->Search(rows_.Row(kRows + 7), SearchParams{.k = 1});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].row, kRows + 7);
}

TEST_F(HnswPersistTest, GraphOfAnotherCollectionOrGenerationIsCorruptionNamingBoth) {
  std::string b;
  ASSERT_TRUE(SaveGraph(*index_, &b, FileIdentity{"aaaa-uuid", 3}).ok());
  EXPECT_TRUE(LoadGraph(config_, rows_.chunks(), b, {}, FileIdentity{"aaaa-uuid", 3}).ok());
  auto other = LoadGraph(config_, rows_.chunks(), b, {}, FileIdentity{"bbbb-uuid", 3});
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(other.status().IsCorruption());
  EXPECT_NE(other.status().message().find("aaaa-uuid"), std::string::npos) << other.status().ToString();
  EXPECT_NE(other.status().message().find("bbbb-uuid"), std::string::npos) << other.status().ToString();
  EXPECT_TRUE(LoadGraph(config_, rows_.chunks(), b, {}, FileIdentity{"aaaa-uuid", 4}).status().IsCorruption());
}

// A version 1 graph (80-byte header, no identity) still loads, whatever the expected identity.
TEST_F(HnswPersistTest, VersionOneGraphStillLoads) {
  std::string v1 = bytes_.substr(0, 80) + bytes_.substr(kHeaderSize);
  EncodeFixed32(v1.data() + 8, 1);
  EncodeFixed32(v1.data() + 12, 80);
  EncodeFixed32(v1.data() + 76, crc32c::Value(v1.data(), 76));
  auto loaded = LoadGraph(config_, rows_.chunks(), v1, {}, FileIdentity{"any", 0});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->live_count(), index_->live_count());
}

TEST_F(HnswPersistTest, EmptyGraphRoundTrips) {
  auto empty = MakeHnswIndex(config_, rows_.chunks());
  std::string b;
  ASSERT_TRUE(SaveGraph(*empty, &b).ok());
  EXPECT_EQ(b.size(), kHeaderSize);
  auto loaded = LoadGraph(config_, rows_.chunks(), b);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->live_count(), 0u);
  EXPECT_EQ((*loaded)->covered_rows(), 0u);
}

TEST_F(HnswPersistTest, EveryTruncationIsCorruption) {
  // Every prefix up to a few KB, then a stride through the rest.
  for (size_t len = 0; len < bytes_.size(); len += (len < 4096 ? 1 : 97)) {
    auto r = LoadGraph(config_, rows_.chunks(), std::string_view(bytes_).substr(0, len));
    ASSERT_FALSE(r.ok()) << "length " << len;
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  }
  std::string padded = bytes_ + "x";
  EXPECT_TRUE(LoadGraph(config_, rows_.chunks(), padded).status().IsCorruption());
}

TEST_F(HnswPersistTest, BitFlipsAreCorruption) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<size_t> pos(0, bytes_.size() - 1);
  for (int i = 0; i < 2000; ++i) {
    std::string b = bytes_;
    size_t p = i < int(kHeaderSize) * 8 ? size_t(i / 8) : pos(rng);  // every header bit, then random ones
    b[p] ^= char(1 << (i % 8));
    auto r = LoadGraph(config_, rows_.chunks(), b);
    ASSERT_FALSE(r.ok()) << "flip at byte " << p;
    EXPECT_TRUE(r.status().IsCorruption() || r.status().code() == StatusCode::kNotSupported) << r.status().ToString();
  }
}

// Damage behind valid checksums (a bug or a crafted file): the structural checks must catch it.
TEST_F(HnswPersistTest, StructuralDamageWithValidChecksumsIsCorruption) {
  const uint32_t covered = kRows;
  const size_t levels_at = kHeaderSize;
  const size_t norms_at = levels_at + covered + ((covered + 63) / 64) * 8;  // cosine: one float per row
  const size_t links_at = norms_at + covered * 4;
  auto expect_corrupt = [&](std::string b, const char* what) {
    Reseal(&b);
    auto r = LoadGraph(config_, rows_.chunks(), b);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_TRUE(r.status().IsCorruption()) << what << ": " << r.status().ToString();
  };
  {
    std::string b = bytes_;  // first link of row 0 out of range
    EncodeFixed32(b.data() + links_at + 4, 0xFFFFFF00u);
    expect_corrupt(b, "link out of range");
  }
  {
    std::string b = bytes_;  // row 0 links to itself
    EncodeFixed32(b.data() + links_at + 4, 0);
    expect_corrupt(b, "self link");
  }
  {
    std::string b = bytes_;  // a link count above 2M
    EncodeFixed32(b.data() + links_at, 1000);
    expect_corrupt(b, "link count");
  }
  {
    std::string b = bytes_;  // a level above the maximum
    b[levels_at + 5] = char(40);
    expect_corrupt(b, "level");
  }
  {
    std::string b = bytes_;  // node count in the header
    EncodeFixed32(b.data() + 44, DecodeFixed32(b.data() + 44) + 1);
    expect_corrupt(b, "node count");
  }
  {
    std::string b = bytes_;  // entry point not on the top level
    uint32_t entry = DecodeFixed32(b.data() + 36);
    EncodeFixed32(b.data() + 36, entry == 0 ? 1 : 0);
    expect_corrupt(b, "entry point");
  }
  {
    std::string b = bytes_;  // covers more rows than exist
    EncodeFixed32(b.data() + 32, covered + 100);
    expect_corrupt(b, "covered rows");
  }
  {
    std::string b = bytes_;  // body size disagrees with the file size
    EncodeFixed64(b.data() + 64, DecodeFixed64(b.data() + 64) - 4);
    expect_corrupt(b, "body size");
  }
  {
    std::string b = bytes_;  // a negative inverse norm
    EncodeFloat(b.data() + norms_at + 8, -1.0f);
    expect_corrupt(b, "inverse norm");
  }
  {
    std::string b = bytes_;  // the reserved field
    EncodeFixed32(b.data() + 60, 1);
    expect_corrupt(b, "reserved");
  }
}

TEST_F(HnswPersistTest, MismatchedParametersAreRejected) {
  HnswConfig other = config_;
  other.space = Space::kL2;
  EXPECT_TRUE(LoadGraph(other, rows_.chunks(), bytes_).status().IsCorruption());
  other = config_;
  other.max_neighbors = 16;
  EXPECT_TRUE(LoadGraph(other, rows_.chunks(), bytes_).status().IsCorruption());
  TestRows fewer(kDim);
  fewer.AppendAll(testing::UniformVectors(10, kDim, 1));
  EXPECT_TRUE(LoadGraph(config_, fewer.chunks(), bytes_).status().IsCorruption());
  TestRows wider(kDim + 1);
  EXPECT_TRUE(LoadGraph(config_, wider.chunks(), bytes_).status().IsCorruption());
  // A newer format version is NotSupported, not Corruption.
  std::string b = bytes_;
  EncodeFixed32(b.data() + 8, 3);
  Reseal(&b);
  EXPECT_EQ(LoadGraph(config_, rows_.chunks(), b).status().code(), StatusCode::kNotSupported);
}

TEST_F(HnswPersistTest, GraphOfOtherVectorsIsRejected) {
  // Same dim, space, M and row count: only the vectors differ (another collection's graph file,
  // or vectors rewritten by a compaction the graph did not follow).
  TestRows other(kDim);
  other.AppendAll(testing::ClusteredVectors(kRows, kDim, 16, 99));
  auto r = LoadGraph(config_, other.chunks(), bytes_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("fingerprint"), std::string::npos) << r.status().ToString();
}

TEST_F(HnswPersistTest, RandomBytesAreRejected) {
  std::mt19937 rng(8);
  for (int i = 0; i < 200; ++i) {
    std::string junk(size_t(rng() % 4096), '\0');
    for (char& c : junk) c = char(rng());
    if (i % 2 == 0 && junk.size() >= 8) junk.replace(0, 8, "OCHREHNS");
    EXPECT_FALSE(LoadGraph(config_, rows_.chunks(), junk).ok());
  }
}

}  // namespace
}  // namespace ochre::index
