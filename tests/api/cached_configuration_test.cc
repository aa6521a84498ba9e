// Copyright 2026 The OchreDB Authors.
//
// CachedConfiguration: queries and the server's per-request handles read a collection's
// configuration through a cache keyed by its stored JSON text, so a changed text must always be
// parsed anew, and a text that does not parse must fail every time (never be cached).
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "api/collection_config.h"
#include "api/collection_impl.h"

namespace ochre::api {
namespace {

TEST(CachedConfigurationTest, OneParsePerTextAndEachTextItsOwnConfiguration) {
  CollectionConfiguration a;
  a.hnsw.space = Space::kCosine;
  a.hnsw.ef_search = 77;
  CollectionConfiguration b = a;
  b.hnsw.ef_search = 78;
  const std::string ja = ConfigurationToJson(a), jb = ConfigurationToJson(b);
  auto first = CachedConfiguration(ja);
  auto again = CachedConfiguration(ja);
  auto other = CachedConfiguration(jb);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_EQ(first->get(), again->get());  // the same parse
  EXPECT_EQ((*first)->hnsw.space, Space::kCosine);
  EXPECT_EQ((*first)->hnsw.ef_search, 77);
  EXPECT_EQ((*other)->hnsw.ef_search, 78);
  auto direct = ConfigurationFromJson(jb);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(ConfigurationToJson(**other), ConfigurationToJson(*direct));
}

TEST(CachedConfigurationTest, AnUnreadableTextFailsEveryTime) {
  for (int i = 0; i < 2; ++i) {
    auto r = CachedConfiguration("{not json");
    EXPECT_FALSE(r.ok());
  }
}

TEST(CachedConfigurationTest, ManyTextsFromManyThreads) {
  // More distinct texts than the cache keeps (it starts over), read concurrently: every answer is
  // the configuration of its own text.
  std::vector<std::string> texts;
  for (int ef = 1; ef <= 600; ++ef) {
    CollectionConfiguration c;
    c.hnsw.ef_search = ef;
    texts.push_back(ConfigurationToJson(c));
  }
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          auto r = CachedConfiguration(texts[(i * 7 + size_t(t) * 131) % texts.size()]);
          if (!r.ok() || (*r)->hnsw.ef_search != int((i * 7 + size_t(t) * 131) % texts.size()) + 1) ++wrong[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace ochre::api
