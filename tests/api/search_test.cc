// Copyright 2026 The OchreDB Authors.
//
// Collection::Search against a reference evaluator written here: brute-force distances and
// Chroma's rank rules (a record absent from a Knn's candidates takes the Knn's default, or drops out
// of the arithmetic when it has none), group_by with $min_k/$max_k, offset/limit and select, driven
// by random requests in Chroma's JSON shapes (as its clients send them) over random collections in
// the three spaces. The reference reads the JSON itself, so the parser is checked along the way.
// Bad requests must fail with InvalidArgument and leave the collection as it was.
#include "ochre/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <unordered_map>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

using nlohmann::json;

constexpr int kDim = 6;
const std::vector<std::string> kCats = {"a", "b", "c"};
const std::vector<std::string> kWords = {"red", "green", "blue", "sky", "sea"};

struct Rec {
  std::string id;
  std::vector<float> emb;
  std::optional<std::string> doc;
  std::optional<Metadata> md;
};

// ---- The reference ---------------------------------------------------------------------------

float RefDistance(Space space, const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  switch (space) {
    case Space::kL2:
      return float(l2);
    case Space::kIp:
      return float(1.0 - dot);
    case Space::kCosine:
      return float(1.0 - dot / (std::sqrt(na) * std::sqrt(nb)));
  }
  return 0;
}

const MetadataValue* Field(const Rec& r, const std::string& key) {
  if (!r.md) return nullptr;
  auto it = r.md->find(key);
  return it == r.md->end() ? nullptr : &it->second;
}

bool RefMatch(const Rec& r, const json& w) {
  if (w.contains("$and")) {
    for (const json& c : w["$and"]) {
      if (!RefMatch(r, c)) return false;
    }
    return true;
  }
  if (w.contains("$or")) {
    for (const json& c : w["$or"]) {
      if (RefMatch(r, c)) return true;
    }
    return false;
  }
  const std::string key = w.begin().key();
  const json& cond = w.begin().value();
  const std::string op = cond.begin().key();
  const json& arg = cond.begin().value();
  if (key == "#id") {
    bool in = false;
    if (arg.is_array()) {
      for (const json& id : arg) in = in || id.get<std::string>() == r.id;
    } else {
      in = arg.get<std::string>() == r.id;
    }
    return (op == "$in" || op == "$eq") ? in : !in;
  }
  if (key == "#document") {
    bool has = r.doc && r.doc->find(arg.get<std::string>()) != std::string::npos;
    return op == "$contains" ? has : !has;
  }
  const MetadataValue* v = Field(r, key);
  if (op == "$eq") {
    if (arg.is_string()) return v && std::holds_alternative<std::string>(*v) && std::get<std::string>(*v) == arg;
    if (arg.is_boolean()) return v && std::holds_alternative<bool>(*v) && std::get<bool>(*v) == arg.get<bool>();
    return v && std::holds_alternative<int64_t>(*v) && std::get<int64_t>(*v) == arg.get<int64_t>();
  }
  if (op == "$gt") return v && std::holds_alternative<int64_t>(*v) && std::get<int64_t>(*v) > arg.get<int64_t>();
  if (op == "$in" || op == "$nin") {
    bool in = false;
    for (const json& s : arg)
      in = in || (v && std::holds_alternative<std::string>(*v) && std::get<std::string>(*v) == s);
    return op == "$in" ? in : !in;
  }
  ADD_FAILURE() << "reference: unsupported filter " << w.dump();
  return false;
}

struct RefDomain {
  std::map<std::string, float> support;
  std::optional<float> fallback;
};

// Chroma's rank.rs, written out again: a binary operator over domains.
template <typename Op>
RefDomain RefMerge(const RefDomain& l, const RefDomain& r, Op op) {
  RefDomain out;
  std::set<std::string> ids;
  if (l.fallback && r.fallback) {
    for (auto& [k, v] : l.support) ids.insert(k);
    for (auto& [k, v] : r.support) ids.insert(k);
    out.fallback = op(*l.fallback, *r.fallback);
  } else if (l.fallback) {
    for (auto& [k, v] : r.support) ids.insert(k);
  } else if (r.fallback) {
    for (auto& [k, v] : l.support) ids.insert(k);
  } else {
    for (auto& [k, v] : l.support) {
      if (r.support.count(k)) ids.insert(k);
    }
  }
  for (const std::string& id : ids) {
    float a = l.support.count(id) ? l.support.at(id) : *l.fallback;
    float b = r.support.count(id) ? r.support.at(id) : *r.fallback;
    out.support[id] = op(a, b);
  }
  return out;
}

// Ascending by Rust's f32::total_cmp, then by id.
bool TotalLess(const std::pair<float, std::string>& x, const std::pair<float, std::string>& y) {
  auto total = [](float f) {
    int32_t b;
    std::memcpy(&b, &f, 4);
    return b < 0 ? int32_t(0x80000000u ^ ~uint32_t(b)) : b;
  };
  return total(x.first) != total(y.first) ? total(x.first) < total(y.first) : x.second < y.second;
}

struct Reference {
  Space space;
  const std::vector<Rec>* recs;

  std::vector<const Rec*> Filtered(const json& payload) const {
    std::vector<const Rec*> out;
    for (const Rec& r : *recs) {
      if (!payload.contains("filter") || RefMatch(r, payload["filter"])) out.push_back(&r);
    }
    return out;
  }

  RefDomain Eval(const json& e, const std::vector<const Rec*>& pool) const {
    const std::string op = e.begin().key();
    const json& a = e.begin().value();
    auto fold = [&](float init, auto f) {
      RefDomain acc{{}, init};
      for (const json& c : a) acc = RefMerge(acc, Eval(c, pool), f);
      return acc;
    };
    if (op == "$knn") {
      std::vector<float> q = a["query"].get<std::vector<float>>();
      std::vector<std::pair<float, std::string>> d;
      for (const Rec* r : pool) d.emplace_back(RefDistance(space, q, r->emb), r->id);
      std::sort(d.begin(), d.end());
      size_t limit = a.value("limit", int64_t(16));
      RefDomain out;
      if (a.contains("default") && !a["default"].is_null()) out.fallback = a["default"].get<float>();
      bool rank = a.value("return_rank", false);
      for (size_t i = 0; i < d.size() && i < limit; ++i) out.support[d[i].second] = rank ? float(i) : d[i].first;
      return out;
    }
    if (op == "$val") return RefDomain{{}, a.get<float>()};
    if (op == "$sum") return fold(0.0f, [](float x, float y) { return x + y; });
    if (op == "$mul") return fold(1.0f, [](float x, float y) { return x * y; });
    if (op == "$max") return fold(-std::numeric_limits<float>::max(), [](float x, float y) { return std::fmax(x, y); });
    if (op == "$min") return fold(std::numeric_limits<float>::max(), [](float x, float y) { return std::fmin(x, y); });
    if (op == "$sub") return RefMerge(Eval(a["left"], pool), Eval(a["right"], pool), std::minus<float>());
    if (op == "$div") return RefMerge(Eval(a["left"], pool), Eval(a["right"], pool), std::divides<float>());
    RefDomain d = Eval(a, pool);
    auto map = [&](auto f) {
      for (auto& [k, v] : d.support) v = f(v);
      if (d.fallback) d.fallback = f(*d.fallback);
      return d;
    };
    if (op == "$abs") return map([](float v) { return std::fabs(v); });
    if (op == "$exp") return map([](float v) { return std::exp(v); });
    if (op == "$log") return map([](float v) { return std::log(v); });
    ADD_FAILURE() << "reference: unknown rank " << op;
    return d;
  }

  // Expected ids and scores (scores: none without a rank).
  std::vector<std::pair<std::string, std::optional<float>>> Run(const json& p) const {
    std::vector<const Rec*> pool = Filtered(p);
    std::vector<std::pair<std::string, std::optional<float>>> ranked;
    int64_t offset = p.contains("limit") ? p["limit"].value("offset", int64_t(0)) : 0;
    std::optional<int64_t> limit;
    if (p.contains("limit") && p["limit"].contains("limit")) limit = p["limit"]["limit"].get<int64_t>();
    if (!p.contains("rank")) {
      for (const Rec* r : pool) ranked.emplace_back(r->id, std::nullopt);
    } else {
      RefDomain d = Eval(p["rank"], pool);
      std::vector<std::pair<float, std::string>> s;
      for (auto& [id, v] : d.support) s.emplace_back(v, id);
      std::sort(s.begin(), s.end(), TotalLess);
      if (p.contains("group_by")) s = GroupBy(p["group_by"], s);
      for (auto& [v, id] : s) ranked.emplace_back(id, v);
    }
    std::vector<std::pair<std::string, std::optional<float>>> out;
    for (size_t i = size_t(offset); i < ranked.size(); ++i) {
      if (limit && int64_t(out.size()) >= *limit) break;
      out.push_back(ranked[i]);
    }
    return out;
  }

  using Key = std::vector<std::optional<MetadataValue>>;
  Key KeyOf(const json& keys, const std::string& id, float score) const {
    const Rec* rec = nullptr;
    for (const Rec& r : *recs) {
      if (r.id == id) rec = &r;
    }
    Key k;
    for (const json& name : keys) {
      if (name == "#score") {
        k.emplace_back(MetadataValue(double(score)));
      } else {
        const MetadataValue* v = Field(*rec, name.get<std::string>());
        k.push_back(v ? std::optional<MetadataValue>(*v) : std::nullopt);
      }
    }
    return k;
  }

  std::vector<std::pair<float, std::string>> GroupBy(const json& g,
                                                     const std::vector<std::pair<float, std::string>>& s) const {
    const bool min = g["aggregate"].contains("$min_k");
    const json& agg = min ? g["aggregate"]["$min_k"] : g["aggregate"]["$max_k"];
    std::map<Key, std::vector<std::pair<float, std::string>>> groups;  // each in score order
    for (const auto& e : s) groups[KeyOf(g["keys"], e.second, e.first)].push_back(e);
    std::vector<std::pair<float, std::string>> out;
    for (auto& [key, members] : groups) {
      std::stable_sort(members.begin(), members.end(), [&](const auto& x, const auto& y) {
        Key kx = KeyOf(agg["keys"], x.second, x.first), ky = KeyOf(agg["keys"], y.second, y.first);
        return min ? kx < ky : ky < kx;
      });
      for (size_t i = 0; i < members.size() && int64_t(i) < agg["k"].get<int64_t>(); ++i) out.push_back(members[i]);
    }
    std::sort(out.begin(), out.end(), TotalLess);
    return out;
  }
};

// ---- Random collections and requests ---------------------------------------------------------

class SearchTest : public ::testing::TestWithParam<Space> {
 protected:
  void SetUp() override {
    auto client = testutil::OpenTestClient(/*persistent=*/true, dir_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  std::shared_ptr<Collection> MakeCollection(std::mt19937* rng, int n) {
    CreateCollectionOptions o;
    o.name = "search";
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    HnswConfigUpdate h;
    h.space = GetParam();
    h.ef_search = 400;  // above the collection size: the graph answers exactly
    h.ef_construction = 200;
    o.configuration = CollectionConfigurationUpdate{h, std::nullopt};
    auto c = client_->CreateCollection(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    std::uniform_real_distribution<float> u(-1, 1);
    RecordBatch b;
    std::vector<float> data;
    std::vector<std::optional<std::string>> docs;
    std::vector<std::optional<Metadata>> mds;
    recs_.clear();
    for (int i = 0; i < n; ++i) {
      Rec r;
      char id[16];
      std::snprintf(id, sizeof(id), "r%03d", i);
      r.id = id;
      for (int d = 0; d < kDim; ++d) r.emb.push_back(u(*rng));
      if ((*rng)() % 5 != 0) r.doc = kWords[(*rng)() % kWords.size()] + " " + kWords[(*rng)() % kWords.size()];
      if ((*rng)() % 6 != 0) {
        Metadata m;
        if ((*rng)() % 4 != 0) m["cat"] = kCats[(*rng)() % kCats.size()];
        m["n"] = int64_t((*rng)() % 10);
        if ((*rng)() % 2) m["flag"] = bool((*rng)() % 2);
        r.md = m;
      }
      b.ids.push_back(r.id);
      data.insert(data.end(), r.emb.begin(), r.emb.end());
      docs.push_back(r.doc);
      mds.push_back(r.md);
      recs_.push_back(r);
    }
    b.embeddings = FloatMatrix(kDim, data);
    b.documents = docs;
    b.metadatas = mds;
    EXPECT_TRUE((*c)->Add(b).ok());
    return *c;
  }

  json RandomQuery(std::mt19937* rng) {
    std::uniform_real_distribution<float> u(-1, 1);
    json q = json::array();
    for (int d = 0; d < kDim; ++d) q.push_back(u(*rng));
    return q;
  }

  json RandomKnn(std::mt19937* rng) {
    json k = {{"query", RandomQuery(rng)}, {"key", "#embedding"}, {"limit", int((*rng)() % 30) + 1}};
    if ((*rng)() % 3 == 0) k.erase("limit");  // Chroma's default, 16
    if ((*rng)() % 4 == 0) k.erase("key");
    if ((*rng)() % 2 == 0) k["default"] = ((*rng)() % 2) ? 10.0 : 0.5;
    if ((*rng)() % 4 == 0) k["return_rank"] = true;
    return {{"$knn", k}};
  }

  json RandomRank(std::mt19937* rng, int depth) {
    int pick = depth >= 2 ? (*rng)() % 3 : (*rng)() % 12;
    if (pick <= 1) return RandomKnn(rng);
    if (pick == 2) return {{"$val", float(int((*rng)() % 5)) / 2.0f}};
    auto list = [&](const char* op) {
      json a = json::array();
      int n = 1 + (*rng)() % 3;
      for (int i = 0; i < n; ++i) a.push_back(RandomRank(rng, depth + 1));
      return json{{op, a}};
    };
    switch (pick) {
      case 3:
      case 4:
        return list("$sum");
      case 5:
        return list("$mul");
      case 6:
        return list("$max");
      case 7:
        return list("$min");
      case 8:
        return {{"$sub", {{"left", RandomRank(rng, depth + 1)}, {"right", RandomRank(rng, depth + 1)}}}};
      case 9:
        return {{"$abs", RandomRank(rng, depth + 1)}};
      case 10:
        return {{"$exp", RandomRank(rng, depth + 1)}};
      default: {
        // Rrf, as Chroma's clients expand it: -(w1 / (k + rank1) + w2 / (k + rank2)).
        json terms = json::array();
        for (int i = 0; i < 2; ++i) {
          json knn = RandomKnn(rng);
          knn["$knn"]["return_rank"] = true;
          knn["$knn"]["default"] = 128.0;
          terms.push_back({{"$div", {{"left", {{"$val", 1.0}}}, {"right", {{"$sum", {{{"$val", 60}}, knn}}}}}}});
        }
        return {{"$mul", {{{"$val", -1}}, {{"$sum", terms}}}}};
      }
    }
  }

  json RandomFilter(std::mt19937* rng) {
    auto leaf = [&]() -> json {
      switch ((*rng)() % 7) {
        case 0:
          return {{"cat", {{"$eq", kCats[(*rng)() % kCats.size()]}}}};
        case 1:
          return {{"n", {{"$gt", int((*rng)() % 8)}}}};
        case 2:
          return {{"cat", {{"$in", {"a", "b"}}}}};
        case 3:
          return {{"#document", {{"$contains", kWords[(*rng)() % kWords.size()]}}}};
        case 4: {
          json ids = json::array();
          for (int i = 0; i < 20; ++i) ids.push_back(recs_[(*rng)() % recs_.size()].id);
          ids.push_back("no-such-id");
          return {{"#id", {{"$in", ids}}}};
        }
        case 5: {
          json ids = json::array();
          for (int i = 0; i < 10; ++i) ids.push_back(recs_[(*rng)() % recs_.size()].id);
          return {{"#id", {{"$nin", ids}}}};
        }
        default:
          return {{"flag", {{"$eq", true}}}};
      }
    };
    switch ((*rng)() % 4) {
      case 0:
        return leaf();
      case 1:
        return {{"$and", {leaf(), leaf()}}};
      case 2:
        return (*rng)() % 2 ? json{{"$or", {{{"cat", {{"$eq", "a"}}}}, {{"n", {{"$gt", 5}}}}}}}
                            : json{{"$or", {leaf(), {{"$and", {leaf(), leaf()}}}}}};  // may hold #id
      default:
        return {{"#id", {{"$eq", recs_[(*rng)() % recs_.size()].id}}}};
    }
  }

  json RandomPayload(std::mt19937* rng) {
    json p = json::object();
    if ((*rng)() % 3 == 0) p["filter"] = RandomFilter(rng);
    bool ranked = (*rng)() % 6 != 0;
    if (ranked) p["rank"] = RandomRank(rng, 0);
    if (ranked && (*rng)() % 3 == 0) {
      json keys = (*rng)() % 2 ? json{"cat"} : json{"cat", "flag"};
      json agg_keys = (*rng)() % 2 ? json{"#score"} : json{"n", "#score"};
      p["group_by"] = {{"keys", keys},
                       {(*rng)() % 2 ? "aggregate" : "aggregate",
                        {{(*rng)() % 2 ? "$min_k" : "$max_k", {{"keys", agg_keys}, {"k", 1 + int((*rng)() % 3)}}}}}};
    }
    json limit = {{"offset", int((*rng)() % 4)}};
    if ((*rng)() % 4 != 0) limit["limit"] = 1 + int((*rng)() % 15);
    p["limit"] = limit;
    const std::vector<std::string> all = {"#document", "#embedding", "#metadata", "#score", "n", "cat"};
    json keys = json::array();
    for (const std::string& k : all) {
      if ((*rng)() % 2) keys.push_back(k);
    }
    p["select"] = {{"keys", keys}};
    return p;
  }

  void CheckAgainstReference(const Collection& c, const json& payload, const SearchResult& got) {
    Reference ref{GetParam(), &recs_};
    auto want = ref.Run(payload);
    SCOPED_TRACE(payload.dump());
    ASSERT_EQ(got.ids.size(), want.size());
    std::map<std::string, const Rec*> by_id;
    for (const Rec& r : recs_) by_id[r.id] = &r;
    std::set<std::string> keys;
    for (const json& k : payload["select"]["keys"]) keys.insert(k.get<std::string>());
    EXPECT_EQ(got.documents.has_value(), keys.count("#document") > 0);
    EXPECT_EQ(got.embeddings.has_value(), keys.count("#embedding") > 0);
    EXPECT_EQ(got.metadatas.has_value(), keys.count("#metadata") || keys.count("n") || keys.count("cat"));
    EXPECT_EQ(got.scores.has_value(), keys.count("#score") > 0);
    EXPECT_EQ(got.select, std::vector<std::string>(keys.begin(), keys.end()));  // "#..." sort first
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got.ids[i], want[i].first) << "at " << i;
      const Rec& r = *by_id[got.ids[i]];
      if (got.documents) EXPECT_EQ((*got.documents)[i], r.doc);
      if (got.embeddings) {
        ASSERT_TRUE((*got.embeddings)[i].has_value());
        for (int d = 0; d < kDim; ++d) EXPECT_NEAR((*(*got.embeddings)[i])[d], r.emb[d], 1e-6);
      }
      if (got.metadatas) {
        std::optional<Metadata> md = r.md;
        if (md && !keys.count("#metadata")) std::erase_if(*md, [&](auto& kv) { return !keys.count(kv.first); });
        if (md && md->empty()) md.reset();
        EXPECT_EQ((*got.metadatas)[i], md);
      }
      if (got.scores) {
        if (!want[i].second) {
          EXPECT_FALSE((*got.scores)[i].has_value());
        } else {
          ASSERT_TRUE((*got.scores)[i].has_value());
          float w = *want[i].second, g = *(*got.scores)[i];
          if (std::isnan(w)) {
            EXPECT_TRUE(std::isnan(g));
          } else if (std::isinf(w)) {
            EXPECT_EQ(w, g);
          } else {
            EXPECT_NEAR(g, w, 1e-3 * (1 + std::fabs(w)));
          }
        }
      }
    }
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::vector<Rec> recs_;
};

TEST_P(SearchTest, RandomRequestsMatchTheReference) {
  const uint32_t seed = 1400 + uint32_t(GetParam());
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 3; ++round) {
    if (round > 0) ASSERT_TRUE(client_->DeleteCollection("search").ok());
    auto c = MakeCollection(&rng, 60 + int(rng() % 90));
    for (int i = 0; i < 60; ++i) {
      json batch = {{"searches", json::array()}};
      int n = 1 + rng() % 3;
      for (int j = 0; j < n; ++j) batch["searches"].push_back(RandomPayload(&rng));
      auto parsed = ParseSearchBatch(batch.dump());
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << batch.dump();
      auto got = c->Search(parsed->searches);
      ASSERT_TRUE(got.ok()) << got.status().ToString() << "\n" << batch.dump();
      ASSERT_EQ(got->size(), size_t(n));
      for (int j = 0; j < n; ++j) CheckAgainstReference(*c, batch["searches"][j], (*got)[j]);
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(SearchTest, KnnDefaultsAndRrfByHand) {
  std::mt19937 rng(7);
  auto c = MakeCollection(&rng, 40);
  json q = RandomQuery(&rng);
  // No limit given: Chroma's 16 candidates. No select: only ids.
  auto b = ParseSearchBatch(json{{"searches", {{{"rank", {{"$knn", {{"query", q}}}}}}}}}.dump());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto r = c->Search(b->searches);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].ids.size(), 16u);
  EXPECT_FALSE((*r)[0].documents || (*r)[0].embeddings || (*r)[0].metadatas || (*r)[0].scores);
  // Rank without default: a sum with a Knn of 5 keeps only its 5 candidates.
  b = ParseSearchBatch(json{
      {"searches",
       {{{"rank", {{"$sum", {{{"$knn", {{"query", q}, {"limit", 5}}}}, {{"$knn", {{"query", q}, {"limit", 30}}}}}}}},
         {"select", {{"keys", {"#score"}}}}}}}}
                           .dump());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  r = c->Search(b->searches);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)[0].ids.size(), 5u);
  // Both Knns agree, so each score is twice the distance, ascending.
  for (size_t i = 1; i < 5; ++i) EXPECT_LE(*(*(*r)[0].scores)[i - 1], *(*(*r)[0].scores)[i]);
}

INSTANTIATE_TEST_SUITE_P(Spaces, SearchTest, ::testing::Values(Space::kL2, Space::kCosine, Space::kIp),
                         [](const auto& info) { return std::string(SpaceName(info.param)); });

// ---- Bad input -------------------------------------------------------------------------------

class SearchBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = testutil::OpenTestClient(/*persistent=*/true, dir_);
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
    CreateCollectionOptions o;
    o.name = "bad";
    o.embedding_function = MakeHashingEmbeddingFunction();
    coll_ = *client_->CreateCollection(o);
    RecordBatch b;
    b.ids = {"a", "b", "c"};
    b.embeddings = FloatMatrix(3, {1, 0, 0, 0, 1, 0, 0, 0, 1});
    b.documents = std::vector<std::optional<std::string>>{"x", "y", "z"};
    b.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"k", int64_t(1)}}, std::nullopt, std::nullopt};
    ASSERT_TRUE(coll_->Add(b).ok());
    before_ = Snapshot();
  }
  std::string Snapshot() {
    GetOptions g;
    g.include = Include::All();
    g.include.distances = false;
    auto r = coll_->Get(g);
    std::string s;
    for (size_t i = 0; i < r->ids.size(); ++i) s += r->ids[i] + ";" + (*r->documents)[i].value_or("-") + ";";
    return s + std::to_string(*coll_->Count());
  }
  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Collection> coll_;
  std::string before_;
};

TEST_F(SearchBadInputTest, MalformedRequestsFailClearlyAndChangeNothing) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not valid JSON"},
      {R"([])", "expected an object"},
      {R"({})", "missing field 'searches'"},
      {R"({"searches": []})", "At least one search payload"},
      {R"({"searches": {}})", "expected a list of searches"},
      {R"({"searches": [{"rank": {"$foo": 1}}]})", "unknown operator $foo"},
      {R"({"searches": [{"rank": {"$sum": [{"$val": 1}, {"$bad": 2}]}}]})", "searches[0].rank.$sum[1]"},
      {R"({"searches": [{"rank": {"$val": "one"}}]})", "expected a number"},
      {R"({"searches": [{"rank": {"$val": 1, "$sum": []}}]})", "exactly one operator"},
      {R"({"searches": [{"rank": {"$sub": {"left": {"$val": 1}}}}]})", "$sub expects"},
      {R"({"searches": [{"rank": {"$knn": {"limit": 3}}}]})", "needs a 'query'"},
      {R"({"searches": [{"rank": {"$knn": {"query": "text"}}}]})", "embedded by the client"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1, "x"]}}}]})", "expected a number"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1,0,0], "limit": -1}}}]})", "between 0 and 4294967295"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1,0,0], "limit": 5000000000}}}]})", "between 0 and 4294967295"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1,0,0], "limit": 2.5}}}]})", "between 0 and 4294967295"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1,0,0], "return_rank": 1}}}]})", "expected a boolean"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1,0,0], "colour": 1}}}]})", "unknown field 'colour'"},
      {R"({"searches": [{"rank": {"$knn": {"query": {"indices": [2, 1], "values": [1, 1]}, "key": "sp"}}}]})",
       "strictly ascending"},
      {R"({"searches": [{"rank": {"$knn": {"query": {"indices": [1], "values": [1, 2]}, "key": "sp"}}}]})",
       "same length"},
      {R"({"searches": [{"limit": {"offset": -1}}]})", "between 0 and 4294967295"},
      {R"({"searches": [{"limit": {"limit": 99999999999}}]})", "between 0 and 4294967295"},
      {R"({"searches": [{"limit": 5}]})", "expected {\"offset\""},
      {R"({"searches": [{"select": {"keys": [1]}}]})", "expected a key name"},
      {R"({"searches": [{"ranks": {}}]})", "unknown field 'ranks'"},
      {R"({"searches": [{"filter": {"n": {"$gt": "x"}}}]})", "Invalid where clause"},
      {R"({"searches": [{"filter": {"n": {"$nope": 1}}}]})", "searches[0].filter"},
      {R"({"searches": [{"group_by": {"keys": ["k"]}, "rank": {"$val": 1}}]})", "both be specified"},
      {R"({"searches": [{"group_by": {"keys": ["k"], "aggregate": {"$min_k": {"keys": ["#score"], "k": 1}}}}]})",
       "group_by requires rank expression"},
      {R"({"searches": [{"rank": {"$val": 1}, "group_by": {"keys": ["#document"], "aggregate": {"$min_k": {"keys": ["#score"], "k": 1}}}}]})",
       "group_by keys must be metadata fields"},
      {R"({"searches": [{"rank": {"$val": 1}, "group_by": {"keys": ["k"], "aggregate": {"$min_k": {"keys": ["#score"], "k": 0}}}}]})",
       "aggregate k must be greater than 0"},
      {R"({"searches": [{"rank": {"$val": 1}, "group_by": {"keys": ["k"], "aggregate": {"$min_k": {"keys": ["#embedding"], "k": 1}}}}]})",
       "aggregate keys must be metadata fields or #score"},
      {R"({"searches": [{"rank": {"$val": 1}, "group_by": {"keys": ["k"], "aggregate": {"$top": {"keys": ["#score"], "k": 1}}}}]})",
       "unknown aggregate $top"},
      {R"({"searches": [{}], "read_level": "eventually"})", "read_level"},
      {R"({"searches": [{}], "extra": 1})", "unknown field 'extra'"},
  };
  for (const auto& [body, needle] : cases) {
    auto b = ParseSearchBatch(body);
    ASSERT_FALSE(b.ok()) << body;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(b.status().message().find(needle), std::string::npos) << body << " -> " << b.status().message();
  }
  EXPECT_EQ(Snapshot(), before_);
}

TEST_F(SearchBadInputTest, RequestsThatFailAgainstTheCollectionChangeNothing) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"searches": [{"rank": {"$knn": {"query": [1, 0]}}}]})", "dimension"},
      {R"({"searches": [{"rank": {"$knn": {"query": [1, 0, 0], "key": "k"}}}]})", "dense query searches only"},
      {R"({"searches": [{"rank": {"$knn": {"query": {"indices": [1], "values": [0.5]}, "key": "sp"}}}]})",
       "the collection has no sparse vectors under that key"},
      {R"({"searches": [{"filter": {"#id": {"$gt": "a"}}}]})", "Invalid where clause at #id"},
      {R"({"searches": [{"filter": {"#id": {"$contains": "a"}}}]})", "#id supports only"},
      {R"({"searches": [{"filter": {"#id": {"$in": [1, 2]}}}]})", "Invalid where clause"},
      // The first search is fine; the batch fails as a whole.
      {R"({"searches": [{}, {"rank": {"$knn": {"query": [1, 0, 0, 0]}}}]})", "dimension"},
  };
  for (const auto& [body, needle] : cases) {
    auto b = ParseSearchBatch(body);
    if (!b.ok()) {
      EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << body;
      EXPECT_NE(b.status().message().find(needle), std::string::npos) << body << " -> " << b.status().message();
      continue;
    }
    auto r = coll_->Search(b->searches);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << body << " -> " << r.status().message();
  }
  EXPECT_EQ(Snapshot(), before_);
  // A search built in C++ is validated the same way.
  SearchRequest bad;
  bad.limit = -3;
  auto r = coll_->Search({bad});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(coll_->Search({}).ok());
}

TEST_F(SearchBadInputTest, IdAndDocumentClausesAndSelect) {
  auto b = ParseSearchBatch(R"({"searches": [
      {"filter": {"$and": [{"#id": {"$nin": ["a"]}}, {"#document": {"$contains": "z"}}]},
       "select": {"keys": ["#document", "#metadata"]}},
      {"filter": {"#id": {"$in": ["c", "a"]}}, "rank": {"$knn": {"query": [1, 0, 0], "limit": 3}},
       "select": {"keys": ["k", "#score", "#score"]}},
      {"filter": {"#id": "b"}}]})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto r = coll_->Search(b->searches);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].ids, std::vector<std::string>({"c"}));
  EXPECT_EQ((*r)[0].documents->at(0), "z");
  EXPECT_FALSE((*r)[0].metadatas->at(0).has_value());
  EXPECT_EQ((*r)[1].ids, std::vector<std::string>({"a", "c"}));
  EXPECT_EQ((*r)[1].select, std::vector<std::string>({"#score", "k"}));
  EXPECT_EQ((*r)[1].metadatas->at(0), (Metadata{{"k", int64_t(1)}}));
  EXPECT_FALSE((*r)[1].metadatas->at(1).has_value());
  EXPECT_NEAR(*(*r)[1].scores->at(0), 0.0f, 1e-6);
  EXPECT_EQ((*r)[2].ids, std::vector<std::string>({"b"}));
  EXPECT_TRUE((*r)[2].select.empty());
  // #id inside $or, and $ne under $and under $or.
  b = ParseSearchBatch(R"({"searches": [
      {"filter": {"$or": [{"#id": "c"}, {"k": 1}]}},
      {"filter": {"$or": [{"$and": [{"#id": {"$ne": "a"}}, {"#document": {"$contains": "y"}}]}, {"#id": "a"}]}}]})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  r = coll_->Search(b->searches);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].ids, std::vector<std::string>({"a", "c"}));
  EXPECT_EQ((*r)[1].ids, std::vector<std::string>({"a", "b"}));
  // An #id that names no record matches nothing (a Query with such ids would fail).
  b = ParseSearchBatch(R"({"searches": [
      {"filter": {"#id": {"$in": ["c", "zz"]}}, "rank": {"$knn": {"query": [0, 0, 1]}}},
      {"filter": {"#id": "zz"}, "rank": {"$knn": {"query": [0, 0, 1]}}}]})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  r = coll_->Search(b->searches);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].ids, std::vector<std::string>({"c"}));
  EXPECT_TRUE((*r)[1].ids.empty());
}

}  // namespace
}  // namespace ochre
