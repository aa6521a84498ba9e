// Copyright 2026 The OchreDB Authors.
//
// Model-based property test: seeded random sequences of add / upsert / update / delete (by ids and
// by filter) / get / query / count / compact on a persistent client, checked operation by operation against
// ReferenceModel (tests/testutil/reference_model.h), with the client and every collection handle
// dropped and the database reopened at random points. Ids, documents, metadata, embeddings
// (bitwise) and query order must agree exactly.
//
// Four collections: l2 and ip over "dyadic" vectors (multiples of 1/8, so that float and double
// distances are exactly equal and ties are common: query order is checked exactly, ties by id), and
// cosine and l2 over arbitrary floats (order checked up to distances within 1e-5). Collections stay
// at a few hundred records, under the engine's exact-scan threshold, so queries are exact.
//
// OCHRE_SEED=<n> replays a seed; OCHRE_PROPERTY_OPS=<n> changes the number of operations.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ochre/ochre.h"
#include "testutil/reference_model.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

using testutil::ModelHit;
using testutil::ReferenceModel;

constexpr int kIdPool = 300;

struct TestCollection {
  std::string name;
  Space space;
  size_t dim;
  bool dyadic;  // vectors are multiples of 1/8: distances exact in float, order checked exactly
  ReferenceModel model;
  std::shared_ptr<Collection> handle;
};

std::string Describe(const std::optional<std::string>& s) { return s ? "\"" + *s + "\"" : "null"; }

class PropertyTest : public ::testing::Test {
 protected:
  void OpenClient() {
    auto client = PersistentClient::Open(dir_.Sub("db"));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }

  void CreateCollections() {
    struct Spec {
      const char* name;
      Space space;
      bool dyadic;
    };
    const Spec specs[] = {{"l2-dyadic", Space::kL2, true},
                          {"ip-dyadic", Space::kIp, true},
                          {"cosine-floats", Space::kCosine, false},
                          {"l2-floats", Space::kL2, false}};
    for (const auto& s : specs) {
      CreateCollectionOptions o;
      o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
      o.name = s.name;
      o.embedding_function = nullptr;
      o.configuration.emplace();
      o.configuration->hnsw.emplace();
      o.configuration->hnsw->space = s.space;
      auto c = client_->CreateCollection(o);
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      TestCollection tc{s.name, s.space, size_t(Uniform(2, 16)), s.dyadic, ReferenceModel(s.space), *c};
      colls_.push_back(std::move(tc));
    }
  }

  // Drops the client and every collection handle, then opens the database again.
  void Reopen() {
    for (auto& c : colls_) c.handle.reset();
    client_.reset();
    OpenClient();
    for (auto& c : colls_) {
      auto h = client_->GetCollection(c.name);
      ASSERT_TRUE(h.ok()) << h.status().ToString();
      c.handle = *h;
    }
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[size_t(Uniform(0, int(v.size()) - 1))];
  }

  std::vector<float> RandomVector(const TestCollection& c) {
    std::vector<float> v(c.dim);
    for (;;) {
      bool nonzero = false;
      for (auto& x : v) {
        if (c.dyadic) {
          x = float(Uniform(-64, 64)) / 8.0f;
        } else {
          x = std::normal_distribution<float>(0.0f, Chance(0.2) ? 100.0f : 1.0f)(rng_);
        }
        nonzero = nonzero || x != 0.0f;
      }
      if (nonzero) return v;
    }
  }

  std::string RandomId() { return "id" + std::to_string(Uniform(0, kIdPool - 1)); }

  std::vector<std::string> DistinctIds(int n) {
    std::set<std::string> s;
    while (int(s.size()) < n) s.insert(RandomId());
    std::vector<std::string> ids(s.begin(), s.end());
    std::shuffle(ids.begin(), ids.end(), rng_);
    return ids;
  }

  std::optional<std::string> RandomDocument() {
    static const std::vector<std::string> words = {"apple", "banana", "cherry", "delta",
                                                   "echo",  "fox",    "naïve",  "日本"};
    if (Chance(0.15)) return std::nullopt;
    std::string d;
    const int n = Uniform(1, 4);
    for (int i = 0; i < n; ++i) d += (i ? " " : "") + Pick(words);
    return d;
  }

  MetadataValue RandomValue(const std::string& key) {
    static const std::vector<std::string> colors = {"red", "green", "blue", "ünï"};
    if (key == "a") {
      if (Chance(0.2)) return double(Uniform(-6, 6)) / 2.0;  // an int key that is sometimes a float
      return int64_t(Uniform(-3, 3));
    }
    if (key == "f") return std::vector<double>{-1.5, 0.0, 0.5, 2.0, 3.25}[size_t(Uniform(0, 4))];
    if (key == "b") return Chance(0.5);
    if (key == "s") return Pick(colors);
    if (key == "tags") {
      std::vector<std::string> v;
      for (int i = Uniform(1, 3); i > 0; --i) v.push_back(std::string(1, char('x' + Uniform(0, 2))));
      return v;
    }
    if (key == "nums") {
      std::vector<int64_t> v;
      for (int i = Uniform(1, 3); i > 0; --i) v.push_back(Uniform(0, 5));
      return v;
    }
    if (key == "fl") return std::vector<double>{0.5, double(Uniform(0, 3))};
    return std::vector<bool>{Chance(0.5)};  // "bl"
  }

  std::optional<Metadata> RandomMetadata(bool allow_null) {
    static const std::vector<std::string> keys = {"a", "f", "b", "s", "tags", "nums", "fl", "bl"};
    if (Chance(0.15)) return std::nullopt;
    Metadata m;
    const int n = Uniform(1, 4);
    for (int i = 0; i < n; ++i) {
      const std::string& k = Pick(keys);
      if (allow_null && Chance(0.2)) {
        m[k] = std::monostate{};
      } else {
        m[k] = RandomValue(k);
      }
    }
    return m;
  }

  // A random valid `where` filter as Chroma JSON (parsed by ParseWhere, so the parser is exercised).
  std::string RandomWhereJson(int depth = 0) {
    if (depth < 2 && Chance(0.25)) {
      std::string s = std::string("{\"") + (Chance(0.5) ? "$and" : "$or") + "\":[";
      const int n = Uniform(2, 3);
      for (int i = 0; i < n; ++i) s += (i ? "," : "") + RandomWhereJson(depth + 1);
      return s + "]}";
    }
    static const std::vector<std::string> numeric_ops = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"};
    static const std::vector<std::string> numbers = {"-1", "0", "1", "2", "3", "2.0", "-1.5", "0.5", "2.5", "3.25"};
    switch (Uniform(0, 7)) {
      case 0:
      case 1: {
        const std::string key = Chance(0.5) ? "a" : "f";
        const std::string& op = Pick(numeric_ops);
        if (op == "$in" || op == "$nin") {
          return "{\"" + key + "\":{\"" + op + "\":" + (Chance(0.5) ? "[1,2,-3]" : "[0.5,2.0,-1.5]") + "}}";
        }
        if (op == "$eq" && Chance(0.3)) return "{\"" + key + "\":" + Pick(numbers) + "}";
        return "{\"" + key + "\":{\"" + op + "\":" + Pick(numbers) + "}}";
      }
      case 2:
        if (Chance(0.3)) return "{\"b\":{\"$in\":[true]}}";
        return std::string("{\"b\":{\"") + (Chance(0.5) ? "$eq" : "$ne") + "\":" + (Chance(0.5) ? "true" : "false") +
               "}}";
      case 3: {
        static const std::vector<std::string> ops = {"$eq", "$ne", "$in", "$nin"};
        const std::string& op = Pick(ops);
        if (op == "$in" || op == "$nin") return "{\"s\":{\"" + op + "\":[\"red\",\"ünï\"]}}";
        return "{\"s\":{\"" + op + "\":\"" + (Chance(0.5) ? "green" : "ünï") + "\"}}";
      }
      case 4:
        return std::string("{\"tags\":{\"") + (Chance(0.5) ? "$contains" : "$not_contains") + "\":\"" +
               char('x' + Uniform(0, 2)) + "\"}}";
      case 5:
        return std::string("{\"nums\":{\"") + (Chance(0.5) ? "$contains" : "$not_contains") +
               "\":" + std::to_string(Uniform(0, 5)) + "}}";
      case 6: {
        static const std::vector<std::string> docs = {
            "{\"#document\":{\"$contains\":\"apple\"}}", "{\"#document\":{\"$not_contains\":\"fox\"}}",
            "{\"#document\":{\"$regex\":\"^[a-c]\"}}", "{\"#document\":{\"$not_regex\":\"e$\"}}",
            "{\"#document\":{\"$contains\":\"日本\"}}"};
        return Pick(docs);
      }
      default:
        return std::string("{\"zz\":{\"") + (Chance(0.5) ? "$ne" : "$eq") + "\":1}}";  // a key nobody has
    }
  }

  std::string RandomWhereDocumentJson(int depth = 0) {
    if (depth == 0 && Chance(0.25)) {
      return std::string("{\"") + (Chance(0.5) ? "$and" : "$or") + "\":[" + RandomWhereDocumentJson(1) + "," +
             RandomWhereDocumentJson(1) + "]}";
    }
    static const std::vector<std::string> leaves = {"{\"$contains\":\"banana\"}",     "{\"$contains\":\"e\"}",
                                                    "{\"$not_contains\":\"cherry\"}", "{\"$regex\":\"(?i)^D\"}",
                                                    "{\"$not_regex\":\"[0-9]\"}",     "{\"$contains\":\"ï\"}",
                                                    "{\"$regex\":\"a.*a\"}"};
    return Pick(leaves);
  }

  std::optional<WhereNode> MaybeWhere(double p) {
    if (!Chance(p)) return std::nullopt;
    const std::string json = RandomWhereJson();
    auto w = ParseWhere(json);
    EXPECT_TRUE(w.ok()) << json << ": " << w.status().ToString();
    if (!w.ok()) return std::nullopt;
    return *w;
  }
  std::optional<WhereDocumentNode> MaybeWhereDocument(double p) {
    if (!Chance(p)) return std::nullopt;
    const std::string json = RandomWhereDocumentJson();
    auto w = ParseWhereDocument(json);
    EXPECT_TRUE(w.ok()) << json << ": " << w.status().ToString();
    if (!w.ok()) return std::nullopt;
    return *w;
  }

  // --- Operations ------------------------------------------------------------------------------

  RecordBatch RandomBatch(TestCollection& c, bool with_embeddings, bool allow_null, bool full_documents) {
    RecordBatch b;
    b.ids = DistinctIds(Uniform(1, 20));
    if (with_embeddings) {
      std::vector<float> data;
      for (size_t i = 0; i < b.ids.size(); ++i) {
        auto v = RandomVector(c);
        data.insert(data.end(), v.begin(), v.end());
      }
      b.embeddings = FloatMatrix(c.dim, std::move(data));
    }
    if (Chance(0.8)) {
      b.documents.emplace();
      for (size_t i = 0; i < b.ids.size(); ++i) b.documents->push_back(RandomDocument());
      if (!full_documents && !b.ids.empty()) (*b.documents)[0] = std::nullopt;
    }
    if (Chance(0.8)) {
      b.metadatas.emplace();
      for (size_t i = 0; i < b.ids.size(); ++i) b.metadatas->push_back(RandomMetadata(allow_null));
    }
    return b;
  }

  void DoWrite(TestCollection& c, int kind) {
    std::string what;
    if (kind == 0) {
      RecordBatch b = RandomBatch(c, true, false, true);
      Status s = c.handle->Add(b);
      ASSERT_TRUE(s.ok()) << "add: " << s.ToString();
      c.model.Add(b);
    } else if (kind == 1) {
      RecordBatch b = RandomBatch(c, true, true, true);
      Status s = c.handle->Upsert(b);
      ASSERT_TRUE(s.ok()) << "upsert: " << s.ToString();
      c.model.Upsert(b);
    } else {
      const bool with_embeddings = c.model.dim() && Chance(0.5);
      RecordBatch b = RandomBatch(c, with_embeddings, true, with_embeddings);
      Status s = c.handle->Update(b);
      ASSERT_TRUE(s.ok()) << "update: " << s.ToString();
      c.model.Update(b);
    }
  }

  void DoDelete(TestCollection& c) {
    DeleteOptions o;
    if (Chance(0.5)) {
      std::vector<std::string> ids = DistinctIds(Uniform(1, 6));
      o.ids = ids;
      auto r = c.handle->Delete(o);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(*r, c.model.DeleteIds(ids));
      return;
    }
    o.where = MaybeWhere(0.8);
    o.where_document = MaybeWhereDocument(o.where ? 0.3 : 1.0);
    if (Chance(0.5)) o.limit = Uniform(0, 10);
    if (Chance(0.2)) o.ids = DistinctIds(Uniform(1, 60));
    auto r = c.handle->Delete(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, c.model.DeleteWhere(o.ids, o.where, o.where_document, o.limit))
        << "delete where " << (o.where ? WhereToJson(*o.where) : "-") << " where_document "
        << (o.where_document ? WhereDocumentToJson(*o.where_document) : "-");
  }

  Include RandomInclude(bool query) {
    Include inc;
    inc.documents = Chance(0.6);
    inc.metadatas = Chance(0.6);
    inc.embeddings = Chance(0.4);
    inc.uris = Chance(0.1);
    inc.distances = query && Chance(0.8);
    return inc;
  }

  void CheckRecordColumns(const TestCollection& c, const std::string& id, size_t i, const GetResult& r) {
    const testutil::ModelRecord* m = c.model.Find(id);
    ASSERT_NE(m, nullptr) << id;
    if (r.included.documents) {
      ASSERT_TRUE(r.documents.has_value());
      EXPECT_EQ((*r.documents)[i], m->document)
          << id << ": document " << Describe((*r.documents)[i]) << " vs " << Describe(m->document);
    } else {
      EXPECT_FALSE(r.documents.has_value());
    }
    if (r.included.metadatas) {
      ASSERT_TRUE(r.metadatas.has_value());
      EXPECT_EQ((*r.metadatas)[i], m->metadata) << id << ": metadata differs";
    } else {
      EXPECT_FALSE(r.metadatas.has_value());
    }
    if (r.included.uris) {
      ASSERT_TRUE(r.uris.has_value());
      EXPECT_EQ((*r.uris)[i], std::nullopt);
    }
    if (r.included.embeddings) {
      ASSERT_TRUE(r.embeddings.has_value());
      ASSERT_EQ(r.embeddings->dim(), c.dim);
      EXPECT_TRUE(testutil::BitwiseEqual(r.embeddings->row(i), m->embedding.data(), c.dim)) << id << ": embedding";
    } else {
      EXPECT_FALSE(r.embeddings.has_value());
    }
  }

  void DoGet(TestCollection& c) {
    GetOptions o;
    if (Chance(0.25)) {
      o.ids = DistinctIds(Uniform(1, 15));
    }
    o.where = MaybeWhere(0.4);
    o.where_document = MaybeWhereDocument(0.2);
    if (Chance(0.3)) o.limit = Uniform(0, 30);
    if (Chance(0.3)) o.offset = Uniform(0, 40);
    o.include = RandomInclude(false);
    auto r = c.handle->Get(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const auto expected = c.model.Get(o.ids, o.where, o.where_document, o.limit, o.offset);
    ASSERT_EQ(r->ids, expected) << "get on " << c.name << " where " << (o.where ? WhereToJson(*o.where) : "-")
                                << " where_document "
                                << (o.where_document ? WhereDocumentToJson(*o.where_document) : "-");
    if (r->included.embeddings && !r->ids.empty()) {
      ASSERT_EQ(r->embeddings->rows(), r->ids.size());
    }
    for (size_t i = 0; i < r->ids.size(); ++i) CheckRecordColumns(c, r->ids[i], i, *r);
  }

  // The full state of a collection: every record, every column.
  void CheckAll(TestCollection& c) {
    GetOptions o;
    o.include = Include::All();
    o.include.distances = false;
    auto r = c.handle->Get(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->ids, c.model.OrderedIds()) << c.name;
    for (size_t i = 0; i < r->ids.size(); ++i) CheckRecordColumns(c, r->ids[i], i, *r);
    auto n = c.handle->Count();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, int64_t(c.model.size()));
  }

  void DoQuery(TestCollection& c) {
    QueryOptions o;
    const int nq = Uniform(1, 3);
    std::vector<float> data;
    for (int i = 0; i < nq; ++i) {
      std::vector<float> v;
      if (c.model.size() > 0 && Chance(0.3)) {
        auto it = c.model.records().begin();
        std::advance(it, Uniform(0, int(c.model.size()) - 1));
        v = it->second.embedding;
      } else {
        v = RandomVector(c);
      }
      data.insert(data.end(), v.begin(), v.end());
    }
    o.query_embeddings = FloatMatrix(c.dim, data);
    o.n_results = Chance(0.1) ? Uniform(100, 400) : Uniform(1, 25);
    o.where = MaybeWhere(0.35);
    o.where_document = MaybeWhereDocument(0.15);
    bool missing_id = false;
    if (Chance(0.1) && c.model.size() > 0) {
      std::vector<std::string> ids;
      for (int i = Uniform(1, 12); i > 0; --i) {
        auto it = c.model.records().begin();
        std::advance(it, Uniform(0, int(c.model.size()) - 1));
        if (std::find(ids.begin(), ids.end(), it->first) == ids.end()) ids.push_back(it->first);
      }
      if (Chance(0.2)) {
        const std::string id = RandomId();
        if (!c.model.Has(id)) {
          ids.push_back(id);
          missing_id = true;
        }
      }
      o.ids = ids;
    }
    o.include = RandomInclude(true);
    auto r = c.handle->Query(o);
    if (!c.model.dim()) {
      // Nothing embedded yet: empty lists for any query.
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const auto& ids : r->ids) EXPECT_TRUE(ids.empty());
      return;
    }
    if (missing_id && !o.where && !o.where_document) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
      return;
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->ids.size(), size_t(nq));
    const bool exact = c.dyadic;
    for (int q = 0; q < nq; ++q) {
      SCOPED_TRACE("query " + std::to_string(q) + " on " + c.name + " n_results " + std::to_string(o.n_results) +
                   " where " + (o.where ? WhereToJson(*o.where) : "-") + " where_document " +
                   (o.where_document ? WhereDocumentToJson(*o.where_document) : "-"));
      const std::vector<ModelHit> ranked = c.model.Rank(data.data() + q * c.dim, o.ids, o.where, o.where_document);
      const size_t n = std::min<size_t>(size_t(o.n_results), ranked.size());
      const auto& got = r->ids[q];
      ASSERT_EQ(got.size(), n);
      if (n == 0) continue;
      std::map<std::string, double> model_distance;
      for (const auto& h : ranked) model_distance[h.id] = h.distance;
      const double kth = ranked[n - 1].distance;
      const double tol = exact ? 0.0 : 1e-5;
      std::set<std::string> seen;
      for (size_t i = 0; i < n; ++i) {
        const std::string& id = got[i];
        ASSERT_TRUE(seen.insert(id).second) << "duplicate id " << id;
        auto it = model_distance.find(id);
        ASSERT_NE(it, model_distance.end()) << id << " does not match the query's filters";
        const double md = it->second;
        EXPECT_LE(std::abs(md - ranked[i].distance), tol)
            << "position " << i << ": " << id << " at " << md << ", expected " << ranked[i].id << " at "
            << ranked[i].distance;
        // Exact distances: the very same ids in the very same order, ties (also at the cutoff) by id.
        if (exact) {
          EXPECT_EQ(id, ranked[i].id) << "position " << i << " (distance " << md << ", cutoff " << kth << ")";
        }
        if (o.include.distances) {
          const double ed = (*r->distances)[q][i];
          EXPECT_LE(std::abs(ed - md), std::max(1e-5, 1e-4 * std::abs(md))) << id << " distance " << ed << " vs " << md;
        }
        if (o.include.documents) {
          EXPECT_EQ((*r->documents)[q][i], c.model.Find(id)->document) << id;
        }
        if (o.include.metadatas) {
          EXPECT_EQ((*r->metadatas)[q][i], c.model.Find(id)->metadata) << id;
        }
        if (o.include.embeddings) {
          EXPECT_TRUE(testutil::BitwiseEqual((*r->embeddings)[q].row(i), c.model.Find(id)->embedding.data(), c.dim))
              << id;
        }
      }
    }
    EXPECT_EQ(r->documents.has_value(), o.include.documents);
    EXPECT_EQ(r->metadatas.has_value(), o.include.metadatas);
    EXPECT_EQ(r->distances.has_value(), o.include.distances);
    EXPECT_EQ(r->embeddings.has_value(), o.include.embeddings);
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::vector<TestCollection> colls_;
  std::mt19937_64 rng_;
};

TEST_F(PropertyTest, RandomOperationsAgreeWithTheReferenceModelAcrossReopens) {
  rng_.seed(testutil::TestSeed("PropertyTest", 20261125));
  int ops = 2500;
  if (const char* env = std::getenv("OCHRE_PROPERTY_OPS"); env && *env) ops = std::atoi(env);
  OpenClient();
  ASSERT_NO_FATAL_FAILURE(CreateCollections());
  int reopens = 0, queries = 0, gets = 0, writes = 0, deletes = 0, compactions = 0, reclaiming = 0;
  for (int op = 0; op < ops; ++op) {
    SCOPED_TRACE("operation " + std::to_string(op));
    TestCollection& c = colls_[size_t(Uniform(0, int(colls_.size()) - 1))];
    const int dice = Uniform(0, 99);
    if (dice < 20) {
      ASSERT_NO_FATAL_FAILURE(DoWrite(c, 0));
      ++writes;
    } else if (dice < 34) {
      ASSERT_NO_FATAL_FAILURE(DoWrite(c, 1));
      ++writes;
    } else if (dice < 45) {
      ASSERT_NO_FATAL_FAILURE(DoWrite(c, 2));
      ++writes;
    } else if (dice < 55) {
      ASSERT_NO_FATAL_FAILURE(DoDelete(c));
      ++deletes;
    } else if (dice < 70) {
      ASSERT_NO_FATAL_FAILURE(DoGet(c));
      ++gets;
    } else if (dice < 93) {
      ASSERT_NO_FATAL_FAILURE(DoQuery(c));
      ++queries;
    } else if (dice < 96) {
      auto n = c.handle->Count();
      ASSERT_TRUE(n.ok());
      ASSERT_EQ(*n, int64_t(c.model.size()));
    } else if (dice < 97) {
      ASSERT_TRUE(client_->Checkpoint().ok());
    } else if (dice < 98) {
      // Compaction renumbers rows: every record, and later operations, must be unaffected.
      auto stats = c.handle->Compact();
      ASSERT_TRUE(stats.ok()) << stats.status().ToString();
      ASSERT_EQ(stats->live_rows, int64_t(c.model.size()));
      ++compactions;
      if (stats->rows_after < stats->rows_before) ++reclaiming;
      ASSERT_NO_FATAL_FAILURE(CheckAll(c));
    } else {
      ASSERT_NO_FATAL_FAILURE(Reopen());
      ++reopens;
      for (auto& cc : colls_) ASSERT_NO_FATAL_FAILURE(CheckAll(cc));
    }
    if (HasFailure()) break;
  }
  ASSERT_NO_FATAL_FAILURE(Reopen());
  for (auto& c : colls_) ASSERT_NO_FATAL_FAILURE(CheckAll(c));
  std::fprintf(stderr,
               "[ property ] %d ops: %d writes, %d deletes, %d gets, %d queries, %d compactions (%d gave rows back), "
               "%d reopens; sizes",
               ops, writes, deletes, gets, queries, compactions, reclaiming, reopens + 1);
  for (auto& c : colls_) std::fprintf(stderr, " %s=%zu(dim %zu)", c.name.c_str(), c.model.size(), c.dim);
  std::fprintf(stderr, "\n");
  EXPECT_GE(reopens, 1);
  EXPECT_GE(reclaiming, 1);
}

// CHROMA_SPEC §3.10 and collection.h: ascending distance, ties by id. Records tied at the cutoff
// must be chosen by id too, not by internal row order.
TEST_F(PropertyTest, QueryTiesAtTheCutoffAreBrokenById) {
  OpenClient();
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "ties";
  o.embedding_function = nullptr;
  auto c = client_->CreateCollection(o);
  ASSERT_TRUE(c.ok());
  // Inserted in descending id order, all at the same distance from the query.
  RecordBatch b;
  b.ids = {"e", "d", "c", "b", "a"};
  b.embeddings = FloatMatrix(2, {1, 0, 0, 1, -1, 0, 0, -1, 1, 0});
  ASSERT_TRUE((*c)->Add(b).ok());
  QueryOptions q;
  q.query_embeddings = FloatMatrix(2, {0, 0});
  q.n_results = 2;
  auto r = (*c)->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ids[0], (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace ochre
