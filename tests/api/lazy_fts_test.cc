// Copyright 2026 The OchreDB Authors.
//
// The FTS index behind where_document is built at a collection's first document filter (catalog
// format 4). Two collections hold the same random documents: "eager" had its index built while
// empty (so every write maintained it, as before format 4), "lazy" builds it at its first filter.
// Every filter ($contains, $not_contains, $regex, $and / $or of them, "#document" in where) answers
// the same on both and as filter_eval's Matches says, before and after further writes, updates and
// deletes; get, query and delete each build the index at first use; verify stays clean and stats
// tell whether the index is built.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ochre/ochre.h"
#include "ochre/verify.h"
#include "query/filter_eval.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

constexpr int kDim = 4;

// The ids in one set and not the other, for failure messages.
std::string Diff(const std::set<std::string>& got, const std::set<std::string>& want) {
  std::string out = "extra:";
  for (const auto& id : got) {
    if (!want.count(id)) out += " " + id;
  }
  out += "; missing:";
  for (const auto& id : want) {
    if (!got.count(id)) out += " " + id;
  }
  return out;
}

// Documents over a small alphabet, so that substrings of 1-5 characters often match.
std::string RandomText(std::mt19937* rng, int min_len, int max_len) {
  static const std::string alphabet = "abcde fgh";
  std::uniform_int_distribution<int> len(min_len, max_len);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s;
  const int n = len(*rng);
  for (int i = 0; i < n; ++i) s += alphabet[pick(*rng)];
  return s;
}

WhereDocumentNode Leaf(DocumentOp op, std::string pattern) {
  WhereDocumentNode n;
  n.op = op;
  n.pattern = std::move(pattern);
  return n;
}

WhereDocumentNode RandomFilter(std::mt19937* rng, int depth = 0) {
  std::uniform_int_distribution<int> kind(0, depth < 2 ? 5 : 3);
  switch (kind(*rng)) {
    case 0:
    case 1:
      return Leaf(DocumentOp::kContains, RandomText(rng, 1, 5));
    case 2:
      return Leaf(DocumentOp::kNotContains, RandomText(rng, 2, 5));
    case 3:
      return Leaf((*rng)() % 2 ? DocumentOp::kRegex : DocumentOp::kNotRegex, RandomText(rng, 1, 3) + "[a-c]+h?");
    default: {
      WhereDocumentNode n;
      n.kind = kind(*rng) % 2 ? WhereDocumentNode::Kind::kAnd : WhereDocumentNode::Kind::kOr;
      n.children = {RandomFilter(rng, depth + 1), RandomFilter(rng, depth + 1)};
      return n;
    }
  }
}

class LazyFtsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    auto client = PersistentClient::Open(path_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    eager_ = Create("eager");
    lazy_ = Create("lazy");
    // Built while empty: from here on every write to "eager" maintains its index.
    GetOptions g;
    g.where_document = Leaf(DocumentOp::kContains, "abc");
    ASSERT_TRUE(eager_->Get(g).ok());
    ASSERT_TRUE(Built("eager"));
    ASSERT_FALSE(Built("lazy"));
  }

  std::shared_ptr<Collection> Create(const std::string& name) {
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = name;
    o.embedding_function = nullptr;
    auto c = client_->CreateCollection(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }

  bool Built(const std::string& name) {
    auto stats = ReadDatabaseStats(path_);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    for (const auto& c : stats->collections) {
      if (c.name == name) return c.fts_built;
    }
    ADD_FAILURE() << "no collection " << name;
    return false;
  }

  // Upserts records id<first>..: the same into both collections and the model.
  void Upsert(int first, int n, std::mt19937* rng) {
    RecordBatch b;
    b.documents.emplace();
    std::vector<float> data;
    for (int i = first; i < first + n; ++i) {
      const std::string id = "id" + std::to_string(i);
      b.ids.push_back(id);
      std::optional<std::string> doc;
      if ((*rng)() % 10 != 0) doc = RandomText(rng, 0, 40);
      b.documents->push_back(doc);
      // An upsert without a document keeps the record's document (Chroma's semantics).
      if (doc || !model_.count(id)) model_[id] = doc;
      for (int d = 0; d < kDim; ++d) data.push_back(float((*rng)() % 100) / 10.0f);
    }
    b.embeddings = FloatMatrix(kDim, std::move(data));
    ASSERT_TRUE(eager_->Upsert(b).ok());
    ASSERT_TRUE(lazy_->Upsert(b).ok());
  }

  std::set<std::string> Expected(const WhereDocumentNode& f) const {
    std::set<std::string> out;
    for (const auto& [id, doc] : model_) {
      if (query::Matches(f, doc)) out.insert(id);
    }
    return out;
  }

  static std::set<std::string> GetIds(Collection& c, const WhereDocumentNode& f) {
    GetOptions g;
    g.where_document = f;
    auto r = c.Get(g);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::set<std::string>(r->ids.begin(), r->ids.end());
  }

  // Every filter answers the same on both collections and as the model says, through get and query.
  void CheckFilters(std::mt19937* rng, int n) {
    for (int i = 0; i < n; ++i) {
      const WhereDocumentNode f = RandomFilter(rng);
      const std::set<std::string> want = Expected(f);
      const std::string text = WhereDocumentToJson(f);
      const std::set<std::string> eager = GetIds(*eager_, f), lazy = GetIds(*lazy_, f);
      EXPECT_TRUE(eager == want) << text << ": eager " << Diff(eager, want);
      EXPECT_TRUE(lazy == want) << text << ": lazy " << Diff(lazy, want);
      // The same filter as "#document" in where (the Search API's form), on get.
      if (f.kind == WhereDocumentNode::Kind::kLeaf) {
        WhereNode w;
        w.key = std::string(kDocumentKey);
        w.op = f.op == DocumentOp::kContains      ? WhereOp::kContains
               : f.op == DocumentOp::kNotContains ? WhereOp::kNotContains
               : f.op == DocumentOp::kRegex       ? WhereOp::kRegex
                                                  : WhereOp::kNotRegex;
        w.operand = f.pattern;
        GetOptions g;
        g.where = w;
        auto r = lazy_->Get(g);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(std::set<std::string>(r->ids.begin(), r->ids.end()), want) << text;
      }
      // A query over every record returns the matching ones.
      QueryOptions q;
      q.query_embeddings = FloatMatrix(kDim, std::vector<float>(kDim, 1.0f));
      q.n_results = int64_t(model_.size()) + 1;
      q.where_document = f;
      q.include = Include{false, false, false, false, false};
      auto r = lazy_->Query(q);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(std::set<std::string>(r->ids[0].begin(), r->ids[0].end()), want) << text;
    }
  }

  testutil::TempDir dir_;
  std::string path_;
  std::shared_ptr<Client> client_;
  std::shared_ptr<Collection> eager_, lazy_;
  std::map<std::string, std::optional<std::string>> model_;
};

TEST_F(LazyFtsTest, LazilyBuiltIndexAnswersAsAnEagerOneBeforeAndAfterWrites) {
  std::mt19937 rng(20261203);
  Upsert(0, 600, &rng);
  EXPECT_FALSE(Built("lazy"));
  // Filters too short for the index (under three characters) do not build it.
  GetOptions g;
  g.where_document = Leaf(DocumentOp::kContains, "ab");
  ASSERT_TRUE(lazy_->Get(g).ok());
  g.where_document = Leaf(DocumentOp::kRegex, "abc+");
  ASSERT_TRUE(lazy_->Get(g).ok());
  EXPECT_FALSE(Built("lazy"));
  CheckFilters(&rng, 60);
  EXPECT_TRUE(Built("lazy"));

  // Writes after the build: new records, rewritten documents (upserts of existing ids), updates
  // that clear or change a document, deletes by id and by document filter.
  Upsert(500, 300, &rng);
  RecordBatch u;
  u.ids = {"id1", "id2", "id3"};
  u.documents =
      std::vector<std::optional<std::string>>{std::string("hhh ggg fff"), std::nullopt, std::string("abc abc")};
  ASSERT_TRUE(eager_->Update(u).ok());
  ASSERT_TRUE(lazy_->Update(u).ok());
  model_["id1"] = "hhh ggg fff";
  model_["id3"] = "abc abc";  // id2 keeps its document: an update without one leaves it
  DeleteOptions d;
  d.ids = std::vector<std::string>{"id10", "id11", "id12"};
  ASSERT_TRUE(eager_->Delete(d).ok());
  ASSERT_TRUE(lazy_->Delete(d).ok());
  for (const auto& id : *d.ids) model_.erase(id);
  DeleteOptions by_text;
  by_text.where_document = Leaf(DocumentOp::kContains, "hhh");
  const std::set<std::string> doomed = Expected(*by_text.where_document);
  ASSERT_TRUE(eager_->Delete(by_text).ok());
  ASSERT_TRUE(lazy_->Delete(by_text).ok());
  for (const auto& id : doomed) model_.erase(id);
  CheckFilters(&rng, 60);

  auto report = VerifyDatabase(path_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems[0].check << ": " << report->problems[0].message;
}

TEST_F(LazyFtsTest, QueryAndDeleteBuildTheIndexAtFirstUseAndReopenKeepsIt) {
  std::mt19937 rng(7);
  Upsert(0, 200, &rng);
  auto other = Create("other");
  {
    RecordBatch b;
    b.ids = {"x", "y"};
    b.documents = std::vector<std::optional<std::string>>{std::string("the xyz record"), std::string("plain")};
    b.embeddings = FloatMatrix(kDim, std::vector<float>(2 * kDim, 0.5f));
    ASSERT_TRUE(other->Add(b).ok());
  }
  // A delete's document filter builds the index first.
  DeleteOptions d;
  d.where_document = Leaf(DocumentOp::kContains, "xyz");
  auto removed = other->Delete(d);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1);
  EXPECT_TRUE(Built("other"));
  // A query's builds it too.
  QueryOptions q;
  q.query_embeddings = FloatMatrix(kDim, std::vector<float>(kDim, 1.0f));
  q.n_results = 1000;
  q.where_document = Leaf(DocumentOp::kContains, "abc");
  auto r = lazy_->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::set<std::string>(r->ids[0].begin(), r->ids[0].end()), Expected(*q.where_document));
  EXPECT_TRUE(Built("lazy"));
  // Another client after a reopen sees the index built and keeps it current.
  eager_.reset();
  lazy_.reset();
  other.reset();
  client_.reset();
  auto client = PersistentClient::Open(path_);
  ASSERT_TRUE(client.ok());
  client_ = std::move(*client);
  auto lazy = client_->GetCollection("lazy");
  ASSERT_TRUE(lazy.ok());
  lazy_ = *lazy;
  auto eager = client_->GetCollection("eager");
  ASSERT_TRUE(eager.ok());
  eager_ = *eager;
  Upsert(200, 100, &rng);
  CheckFilters(&rng, 30);
  auto report = VerifyDatabase(path_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems[0].check << ": " << report->problems[0].message;
}

}  // namespace
}  // namespace ochre
