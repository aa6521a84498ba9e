// Copyright 2026 The OchreDB Authors.
//
// The bad-input table (RELIABILITY.md T13, issue 2): every row is a call through the public C++ API
// that must fail with an exact Status code (and InvalidKind where one applies) and a message
// fragment, and must leave the database exactly as it was (collections, count and every column of
// every record compared before and after). Followed by the cases that need their own set-up: a
// second writer process (Locked, naming the holder's pid), a path that is a regular file, and a
// catalog of a newer format (NotSupported, files byte-identical after the attempt).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include "ochre/ochre.h"
#include "storage/lock_file.h"
#include "storage/page_checksum_vfs.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.ok() ? Status::Ok() : r.status();
}

// Everything a user can see of a database's default scope: its collections and all their records.
struct Snapshot {
  std::vector<std::string> collections;
  std::map<std::string, std::string> records;  // collection name -> a rendering of every record
  bool operator==(const Snapshot&) const = default;
};

std::string Render(const GetResult& r) {
  std::ostringstream out;
  for (size_t i = 0; i < r.ids.size(); ++i) {
    out << r.ids[i] << "|" << ((*r.documents)[i] ? *(*r.documents)[i] : "<none>") << "|";
    if ((*r.metadatas)[i]) {
      for (const auto& [k, v] : *(*r.metadatas)[i]) {
        out << k << "=" << v.index() << ":";
        std::visit(
            [&out](const auto& x) {
              using T = std::decay_t<decltype(x)>;
              if constexpr (std::is_same_v<T, std::monostate>) {
                out << "null";
              } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> || std::is_same_v<T, double> ||
                                   std::is_same_v<T, std::string>) {
                out << std::hexfloat << x;
              } else if constexpr (std::is_same_v<T, SparseVector>) {
                for (size_t j = 0; j < x.indices.size(); ++j)
                  out << x.indices[j] << "=" << std::hexfloat << x.values[j] << ",";
              } else {
                for (const auto& e : x) out << std::hexfloat << e << ",";
              }
            },
            v);
        out << ";";
      }
    }
    out << "|";
    for (size_t d = 0; d < r.embeddings->dim(); ++d) out << std::hexfloat << r.embeddings->row(i)[d] << ",";
    out << "\n";
  }
  return out.str();
}

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = PersistentClient::Open(dir_.Sub("db"));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "base";
    o.embedding_function = nullptr;
    o.metadata = Metadata{{"owner", std::string("tests")}};
    auto c = client_->CreateCollection(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    coll_ = *c;
    RecordBatch b;
    b.ids = {"r1", "r2", "r3", "r4", "r5"};
    b.embeddings = FloatMatrix(3, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0.5f, 0.25f, -1});
    b.documents = std::vector<std::optional<std::string>>{"one", "two", std::nullopt, "four", "five"};
    b.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"k", int64_t{1}}}, std::nullopt,
                                                       Metadata{{"t", std::vector<std::string>{"a", "b"}}},
                                                       Metadata{{"f", 2.5}}, Metadata{{"b", true}}};
    ASSERT_TRUE(coll_->Add(b).ok());
  }

  Snapshot Take() {
    Snapshot s;
    auto list = client_->ListCollections();
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return s;
    for (const auto& info : *list) {
      s.collections.push_back(info.name + "/" + info.id + "/" + std::to_string(info.dimension.value_or(-1)));
      auto c = client_->GetCollection(info.name, GetCollectionOptions{std::shared_ptr<EmbeddingFunction>()});
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      if (!c.ok()) continue;
      GetOptions o;
      o.include = Include{true, true, true, false, false};
      auto r = (*c)->Get(o);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      auto n = (*c)->Count();
      EXPECT_TRUE(n.ok());
      if (r.ok() && n.ok()) s.records[info.name] = "count " + std::to_string(*n) + "\n" + Render(*r);
    }
    return s;
  }

  static RecordBatch Batch(std::vector<std::string> ids, size_t dim, std::vector<float> data) {
    RecordBatch b;
    b.ids = std::move(ids);
    b.embeddings = FloatMatrix(dim, std::move(data));
    return b;
  }
  static RecordBatch WithMetadata(Metadata m) {
    RecordBatch b = Batch({"new"}, 3, {1, 2, 3});
    b.metadatas = std::vector<std::optional<Metadata>>{std::move(m)};
    return b;
  }
  static FloatMatrix Query3() { return FloatMatrix(3, {1, 0, 0}); }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Collection> coll_;
};

struct BadRow {
  std::string name;
  std::function<Status()> call;
  StatusCode code;
  std::string fragment;
  InvalidKind kind = InvalidKind::kGeneric;
};

TEST_F(BadInputTest, EveryBadInputFailsWithItsCodeAndMessageAndChangesNothing) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  auto& c = coll_;
  auto& client = client_;
  auto parse_where = [](std::string json) { return [json] { return StatusOf(ParseWhere(json)); }; };
  auto parse_where_document = [](std::string json) { return [json] { return StatusOf(ParseWhereDocument(json)); }; };
  auto create = [&client](std::string name, std::optional<Metadata> metadata = std::nullopt) {
    return [&client, name, metadata] {
      CreateCollectionOptions o;
      o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
      o.name = name;
      o.metadata = metadata;
      o.embedding_function = nullptr;
      return StatusOf(client->CreateCollection(o));
    };
  };
  const std::string bad_name_msg = "Expected a name containing 3-512 characters from [a-zA-Z0-9._-]";
  WhereNode gt_string;
  gt_string.key = "k";
  gt_string.op = WhereOp::kGt;
  gt_string.operand = std::string("x");
  WhereNode regex_on_metadata;
  regex_on_metadata.key = "k";
  regex_on_metadata.op = WhereOp::kRegex;
  regex_on_metadata.operand = std::string("x");

  const std::vector<BadRow> rows = {
      // Ids.
      {"no ids", [&] { return c->Add(Batch({}, 3, {})); }, StatusCode::kInvalidArgument,
       "Expected IDs to be a non-empty list"},
      {"empty id",
       [&] {
         return c->Add(Batch({"ok", ""}, 3, {1, 2, 3, 4, 5, 6}));
       },
       StatusCode::kInvalidArgument, "Empty ID, ID must have at least one character"},
      {"duplicate ids in add",
       [&] {
         return c->Add(Batch({"x", "y", "x"}, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
       },
       StatusCode::kInvalidArgument, "Expected IDs to be unique, found duplicates of: x", InvalidKind::kDuplicateId},
      {"duplicate ids in upsert",
       [&] {
         return c->Upsert(Batch({"r1", "r1"}, 3, {1, 2, 3, 4, 5, 6}));
       },
       StatusCode::kInvalidArgument, "found duplicates of: r1", InvalidKind::kDuplicateId},
      {"duplicate ids in update",
       [&] {
         return c->Update(Batch({"r2", "r2"}, 3, {1, 2, 3, 4, 5, 6}));
       },
       StatusCode::kInvalidArgument, "found duplicates of: r2", InvalidKind::kDuplicateId},
      {"invalid UTF-8 id",
       [&] {
         return c->Add(Batch({"bad\xff"}, 3, {1, 2, 3}));
       },
       StatusCode::kInvalidArgument, "ID is not valid UTF-8"},
      {"empty id in delete",
       [&] {
         DeleteOptions o;
         o.ids = std::vector<std::string>{"r1", ""};
         return StatusOf(c->Delete(o));
       },
       StatusCode::kInvalidArgument, "Empty ID"},
      // Embeddings.
      {"dimension mismatch in add",
       [&] {
         return c->Add(Batch({"new"}, 4, {1, 2, 3, 4}));
       },
       StatusCode::kInvalidArgument, "Collection expecting embedding with dimension of 3, got 4",
       InvalidKind::kDimensionMismatch},
      {"dimension mismatch in upsert of an existing id",
       [&] {
         return c->Upsert(Batch({"r1"}, 2, {1, 2}));
       },
       StatusCode::kInvalidArgument, "dimension of 3, got 2", InvalidKind::kDimensionMismatch},
      {"dimension mismatch in update",
       [&] {
         return c->Update(Batch({"r1"}, 5, {1, 2, 3, 4, 5}));
       },
       StatusCode::kInvalidArgument, "dimension of 3, got 5", InvalidKind::kDimensionMismatch},
      {"dimension mismatch in query",
       [&] {
         QueryOptions q;
         q.query_embeddings = FloatMatrix(2, {1, 0});
         return StatusOf(c->Query(q));
       },
       StatusCode::kInvalidArgument, "dimension of 3, got 2", InvalidKind::kDimensionMismatch},
      {"NaN embedding",
       [&] {
         return c->Add(Batch({"new"}, 3, {1, nan, 3}));
       },
       StatusCode::kInvalidArgument, "Embeddings must not contain NaN or Infinity values"},
      {"Inf embedding",
       [&] {
         return c->Upsert(Batch({"r1", "new"}, 3, {1, 2, 3, -inf, 0, 0}));
       },
       StatusCode::kInvalidArgument, "NaN or Infinity"},
      {"NaN query",
       [&] {
         QueryOptions q;
         q.query_embeddings = FloatMatrix(3, {nan, 0, 0});
         return StatusOf(c->Query(q));
       },
       StatusCode::kInvalidArgument, "NaN or Infinity"},
      {"rows of different lengths",
       [] {
         return StatusOf(FloatMatrix::FromRows({{1, 2, 3}, {1, 2}}));
       },
       StatusCode::kInvalidArgument, "Inconsistent dimensions in provided embeddings"},
      {"zero-length embedding", [] { return StatusOf(FloatMatrix::FromRows({{}})); }, StatusCode::kInvalidArgument,
       "Each embedding must have at least 1 dimension"},
      {"unequal column lengths",
       [&] {
         RecordBatch b = Batch({"n1", "n2"}, 3, {1, 2, 3, 4, 5, 6});
         b.documents = std::vector<std::optional<std::string>>{"only one"};
         return c->Add(b);
       },
       StatusCode::kInvalidArgument, "Unequal lengths for fields: ids: 2, documents: 1"},
      {"fewer embeddings than ids",
       [&] {
         return c->Add(Batch({"n1", "n2"}, 3, {1, 2, 3}));
       },
       StatusCode::kInvalidArgument, "Unequal lengths for fields: ids: 2, embeddings: 1"},
      {"neither embeddings nor documents",
       [&] {
         RecordBatch b;
         b.ids = {"n1"};
         return c->Add(b);
       },
       StatusCode::kInvalidArgument, "You must provide embeddings"},
      {"invalid UTF-8 document",
       [&] {
         RecordBatch b = Batch({"n1"}, 3, {1, 2, 3});
         b.documents = std::vector<std::optional<std::string>>{std::string("a\xc3")};
         return c->Add(b);
       },
       StatusCode::kInvalidArgument, "document is not valid UTF-8"},
      // Record metadata.
      {"empty metadata dict", [&] { return c->Add(WithMetadata({})); }, StatusCode::kInvalidArgument,
       "Expected metadata to be a non-empty dict"},
      {"metadata key starting with $",
       [&] {
         return c->Add(WithMetadata({{"$k", int64_t{1}}}));
       },
       StatusCode::kInvalidArgument, "Metadata key cannot start with '#' or '$'"},
      {"metadata key starting with #",
       [&] {
         return c->Upsert(WithMetadata({{"#k", int64_t{1}}}));
       },
       StatusCode::kInvalidArgument, "Metadata key cannot start with '#' or '$'"},
      {"empty metadata key",
       [&] {
         return c->Add(WithMetadata({{"", int64_t{1}}}));
       },
       StatusCode::kInvalidArgument, "Expected metadata key to be a non-empty string"},
      {"empty metadata array",
       [&] {
         return c->Add(WithMetadata({{"arr", std::vector<int64_t>{}}}));
       },
       StatusCode::kInvalidArgument, "Expected metadata list for key 'arr' to be non-empty"},
      {"invalid UTF-8 metadata value",
       [&] {
         return c->Add(WithMetadata({{"s", std::string("\xed\xa0\x80")}}));
       },
       StatusCode::kInvalidArgument, "metadata value for key 's' is not valid UTF-8"},
      {"invalid UTF-8 metadata key",
       [&] {
         return c->Add(WithMetadata({{"k\x80", int64_t{1}}}));
       },
       StatusCode::kInvalidArgument, "metadata key is not valid UTF-8"},
      {"null metadata value in add",
       [&] {
         return c->Add(WithMetadata({{"k", std::monostate{}}}));
       },
       StatusCode::kInvalidArgument, "got None"},
      {"NaN metadata value",
       [&] {
         return c->Add(WithMetadata({{"f", std::nan("")}}));
       },
       StatusCode::kInvalidArgument, "to be a finite float"},
      {"reserved metadata key",
       [&] {
         return c->Add(WithMetadata({{"chroma:document", std::string("x")}}));
       },
       StatusCode::kInvalidArgument, "reserved key chroma:document"},
      {"bad metadata in the last record of a batch",
       [&] {
         RecordBatch b = Batch({"n1", "n2"}, 3, {1, 2, 3, 4, 5, 6});
         b.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"ok", true}}, Metadata{{"$bad", true}}};
         return c->Add(b);
       },
       StatusCode::kInvalidArgument, "cannot start with"},
      // Collection metadata and names.
      {"empty collection metadata", create("fresh", Metadata{}), StatusCode::kInvalidArgument,
       "Metadata cannot be empty"},
      {"empty metadata in modify", [&] { return c->Modify(std::nullopt, Metadata{}, std::nullopt); },
       StatusCode::kInvalidArgument, "Metadata cannot be empty"},
      {"changing the space in modify",
       [&] {
         return c->Modify(std::nullopt, Metadata{{"hnsw:space", std::string("ip")}}, std::nullopt);
       },
       StatusCode::kInvalidArgument, "Changing the distance function of a collection once it is created"},
      {"bad space name", create("fresh", Metadata{{"hnsw:space", std::string("foobar")}}), StatusCode::kInvalidArgument,
       "Invalid space: 'foobar'"},
      {"name too short", create("ab"), StatusCode::kInvalidArgument, bad_name_msg},
      {"name with a space", create("a b c"), StatusCode::kInvalidArgument, bad_name_msg},
      {"name with a slash", create("abc/def"), StatusCode::kInvalidArgument, bad_name_msg},
      {"name starting with a dash", create("-abc"), StatusCode::kInvalidArgument, bad_name_msg},
      {"name ending with a dot", create("abc."), StatusCode::kInvalidArgument, bad_name_msg},
      {"name with ..", create("a..b"), StatusCode::kInvalidArgument, bad_name_msg},
      {"IPv4 name", create("192.168.0.1"), StatusCode::kInvalidArgument, bad_name_msg},
      {"name too long", create(std::string(513, 'a')), StatusCode::kInvalidArgument, bad_name_msg},
      {"rename to a bad name", [&] { return c->Modify(std::string("x"), std::nullopt, std::nullopt); },
       StatusCode::kInvalidArgument, bad_name_msg},
      {"existing name", create("base"), StatusCode::kAlreadyExists, "Collection [base] already exists"},
      {"missing collection", [&] { return StatusOf(client->GetCollection("nope")); }, StatusCode::kNotFound,
       "Collection [nope] does not exist"},
      {"delete of a missing collection", [&] { return client->DeleteCollection("nope"); }, StatusCode::kNotFound,
       "does not exist"},
      {"database name too short", [&] { return client->CreateDatabase("db"); }, StatusCode::kInvalidArgument,
       bad_name_msg},
      {"tenant name too short", [&] { return client->CreateTenant("t"); }, StatusCode::kInvalidArgument,
       "Tenant name must be at least 3 characters"},
      // Filters.
      {"unknown where operator", parse_where(R"({"k": {"$foo": 1}})"), StatusCode::kInvalidArgument,
       "unknown operator \"$foo\""},
      {"unknown top-level operator", parse_where(R"({"$not": [{"k": 1}]})"), StatusCode::kInvalidArgument,
       "unknown operator $not"},
      {"empty where", parse_where("{}"), StatusCode::kInvalidArgument, "exactly one key"},
      {"where that is not JSON", parse_where(R"({"k": )"), StatusCode::kInvalidArgument, "not valid JSON"},
      {"$gt on a string", parse_where(R"({"$and": [{"k": 1}, {"p": {"$gt": "x"}}]})"), StatusCode::kInvalidArgument,
       "Invalid where clause at $and[1].p: $gt expects an int or a float, got a string"},
      {"empty $in", parse_where(R"({"k": {"$in": []}})"), StatusCode::kInvalidArgument, "$in expects a non-empty list"},
      {"unknown where_document operator", parse_where_document(R"({"$foo": "x"})"), StatusCode::kInvalidArgument,
       "$foo"},
      {"regex that does not compile", parse_where_document(R"({"$regex": "(a"})"), StatusCode::kInvalidArgument,
       "does not compile"},
      {"hand-built $gt on a string in get",
       [&] {
         GetOptions o;
         o.where = gt_string;
         return StatusOf(c->Get(o));
       },
       StatusCode::kInvalidArgument, "$gt expects an int or a float"},
      {"hand-built $regex on metadata in delete",
       [&] {
         DeleteOptions o;
         o.where = regex_on_metadata;
         return StatusOf(c->Delete(o));
       },
       StatusCode::kInvalidArgument, "$regex applies only to #document"},
      // Query, get and delete arguments.
      {"n_results 0",
       [&] {
         QueryOptions q;
         q.query_embeddings = Query3();
         q.n_results = 0;
         return StatusOf(c->Query(q));
       },
       StatusCode::kInvalidArgument, "Number of requested results 0, cannot be negative, or zero."},
      {"n_results -1",
       [&] {
         QueryOptions q;
         q.query_embeddings = Query3();
         q.n_results = -1;
         return StatusOf(c->Query(q));
       },
       StatusCode::kInvalidArgument, "Number of requested results -1"},
      {"query with neither embeddings nor texts", [&] { return StatusOf(c->Query(QueryOptions{})); },
       StatusCode::kInvalidArgument, "either query_embeddings or query_texts"},
      {"query by an id that does not exist",
       [&] {
         QueryOptions q;
         q.query_embeddings = Query3();
         q.ids = std::vector<std::string>{"r1", "ghost"};
         return StatusOf(c->Query(q));
       },
       StatusCode::kNotFound, "ghost"},
      {"distances in get",
       [&] {
         GetOptions o;
         o.include.distances = true;
         return StatusOf(c->Get(o));
       },
       StatusCode::kInvalidArgument, "distances"},
      {"negative limit in get",
       [&] {
         GetOptions o;
         o.limit = -1;
         return StatusOf(c->Get(o));
       },
       StatusCode::kInvalidArgument, "limit"},
      {"negative offset in get",
       [&] {
         GetOptions o;
         o.offset = -3;
         return StatusOf(c->Get(o));
       },
       StatusCode::kInvalidArgument, "offset"},
      {"limit without where in delete",
       [&] {
         DeleteOptions o;
         o.ids = std::vector<std::string>{"r1"};
         o.limit = 1;
         return StatusOf(c->Delete(o));
       },
       StatusCode::kInvalidArgument, "limit can only be specified when a where"},
      {"delete with nothing", [&] { return StatusOf(c->Delete(DeleteOptions{})); }, StatusCode::kInvalidArgument,
       "At least one of ids, where, or where_document must be provided"},
      {"list collections with a negative limit", [&] { return StatusOf(client->ListCollections(-1)); },
       StatusCode::kInvalidArgument, "limit"},
      {"reset without allow_reset", [&] { return client->Reset(); }, StatusCode::kPermissionDenied,
       "Reset is disabled"},
  };

  const Snapshot before = Take();
  ASSERT_EQ(before.collections.size(), 1u);
  for (const BadRow& row : rows) {
    SCOPED_TRACE(row.name);
    Status s = row.call();
    ASSERT_FALSE(s.ok()) << row.name << " succeeded";
    EXPECT_EQ(s.code(), row.code) << s.ToString();
    EXPECT_EQ(s.invalid_kind(), row.kind) << s.ToString();
    EXPECT_NE(s.message().find(row.fragment), std::string::npos)
        << "message: " << s.message() << "\nwant: " << row.fragment;
    EXPECT_TRUE(Take() == before) << "the database changed";
  }
}

// A second process on the same path opens it and writes while the first holds it (the commit lock
// is held for one commit only); a commit lock held by another process past the timeout is Locked,
// naming the holder's pid, and changes nothing.
TEST(BadInputProcessTest, SecondProcessWritesAndAStuckWriterIsLockedWithItsPid) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  Settings quick;
  quick.lock_timeout_ms = 100;
  auto client = PersistentClient::Open(path, quick);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "held";
  o.embedding_function = nullptr;
  auto held = (*client)->CreateCollection(o);
  ASSERT_TRUE(held.ok());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(60);  // a hang guard, not a timing assertion
    auto second = PersistentClient::Open(path);
    if (!second.ok()) ::_exit(2);
    auto c = (*second)->GetCollection("held");
    if (!c.ok()) ::_exit(3);
    RecordBatch b;
    b.ids = {"from-child"};
    b.embeddings = FloatMatrix(2, {3, 4});
    ::_exit((*c)->Add(b).ok() ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);
  // The child's record is seen without reopening.
  EXPECT_EQ(*(*held)->Count(), 1);

  // Another process holds the commit lock and does not let go: a write waits the timeout, then is
  // Locked naming that process; nothing is written.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    ::close(ready[0]);
    auto lock = storage::LockFile::Acquire(path);
    const char ok = lock.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, 'y');
  RecordBatch b;
  b.ids = {"blocked"};
  b.embeddings = FloatMatrix(2, {1, 2});
  Status s = (*held)->Add(b);
  ::kill(holder, SIGKILL);
  ::waitpid(holder, &status, 0);
  ASSERT_EQ(s.code(), StatusCode::kLocked) << s.ToString();
  EXPECT_NE(s.message().find("pid " + std::to_string(holder)), std::string::npos) << s.ToString();
  EXPECT_EQ(*(*held)->Count(), 1) << "the refused write changed the collection";
  // The holder is gone: writes go on.
  EXPECT_TRUE((*held)->Add(b).ok());
  EXPECT_EQ(*(*held)->Count(), 2);
}

TEST(BadInputProcessTest, PathThatIsARegularFileIsInvalidArgument) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("file");
  { std::ofstream(path) << "not a database"; }
  auto client = PersistentClient::Open(path);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument) << client.status().ToString();
  EXPECT_NE(client.status().message().find("is a file, not a directory"), std::string::npos)
      << client.status().message();
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "not a database");
}

std::map<std::string, std::string> ReadTree(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    std::string rel = e.path().string().substr(root.size());
    if (e.is_directory()) {
      out[rel] = "<dir>";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    out[rel] = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return out;
}

TEST(BadInputProcessTest, NewerCatalogFormatIsNotSupportedAndFilesAreUntouched) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    auto client = PersistentClient::Open(path);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "old";
    o.embedding_function = nullptr;
    auto c = (*client)->CreateCollection(o);
    ASSERT_TRUE(c.ok());
    RecordBatch b;
    b.ids = {"x"};
    b.embeddings = FloatMatrix(2, {1, 2});
    ASSERT_TRUE((*c)->Add(b).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(
        sqlite3_open_v2((path + "/ochre.sqlite3").c_str(), &db, SQLITE_OPEN_READWRITE, storage::PageChecksumVfs()),
        SQLITE_OK);
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, "UPDATE ochre_meta SET value='999' WHERE key='format_version'", nullptr, nullptr, &err),
              SQLITE_OK)
        << (err ? err : "");
    EXPECT_EQ(sqlite3_changes(db), 1);
    ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  }
  const auto before = ReadTree(path);
  ASSERT_TRUE(before.count("/ochre.sqlite3"));
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto client = PersistentClient::Open(path);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.status().code(), StatusCode::kNotSupported) << client.status().ToString();
    EXPECT_NE(client.status().message().find("format version 999"), std::string::npos) << client.status().message();
    EXPECT_NE(client.status().message().find("upgrade OchreDB"), std::string::npos) << client.status().message();
  }
  const auto after = ReadTree(path);
  for (const auto& [name, bytes] : before) {
    ASSERT_TRUE(after.count(name)) << name << " disappeared";
    EXPECT_TRUE(after.at(name) == bytes) << name << " changed";
  }
  // RELIABILITY.md T10: the directory is left exactly as it was, with no new files either.
  for (const auto& [name, bytes] : after) {
    EXPECT_TRUE(before.count(name)) << name << " appeared (" << bytes.size() << " bytes)";
  }
}

// fork() after open (RELIABILITY.md F11, issue 16.1): handles inherited by the child fail with a
// clear error and never write (the parent's connections and vector files are not the child's);
// a client the child opens itself works, and the parent sees its records.
TEST(BadInputProcessTest, HandlesUsedAfterForkFailAndTheChildsOwnClientWorks) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "forked";
  o.embedding_function = nullptr;
  auto c = (*client)->CreateCollection(o);
  ASSERT_TRUE(c.ok());
  RecordBatch first;
  first.ids = {"p1"};
  first.embeddings = FloatMatrix(2, {1, 0});
  ASSERT_TRUE((*c)->Add(first).ok());
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(60);  // a hang guard, not a timing assertion
    ::close(report[0]);
    std::string msg;
    RecordBatch b;
    b.ids = {"inherited"};
    b.embeddings = FloatMatrix(2, {0, 1});
    Status add = (*c)->Add(b);
    msg += std::string(StatusCodeName(add.code())) + "|" + add.message() + "\n";
    auto get = (*c)->Get(GetOptions{});
    msg += std::string(StatusCodeName(get.status().code())) + "\n";
    auto list = (*client)->ListCollections();
    msg += std::string(StatusCodeName(list.status().code())) + "\n";
    auto own = PersistentClient::Open(path);
    Status wrote = own.ok() ? Status::Ok() : own.status();
    if (own.ok()) {
      auto oc = (*own)->GetCollection("forked");
      wrote = oc.ok() ? Status::Ok() : oc.status();
      if (oc.ok()) {
        RecordBatch cb;
        cb.ids = {"child"};
        cb.embeddings = FloatMatrix(2, {1, 1});
        wrote = (*oc)->Add(cb);
      }
    }
    msg += std::string(StatusCodeName(wrote.code())) + "\n";
    if (::write(report[1], msg.data(), msg.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(report[1]);
  std::string got;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(report[0], buf, sizeof buf)) > 0) got.append(buf, size_t(n));
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
  std::vector<std::string> lines;
  for (size_t p = 0, q; (q = got.find('\n', p)) != std::string::npos; p = q + 1) lines.push_back(got.substr(p, q - p));
  ASSERT_EQ(lines.size(), 4u) << got;
  EXPECT_EQ(lines[0].substr(0, lines[0].find('|')), "NotSupported") << lines[0];
  EXPECT_NE(lines[0].find("fork()"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1], "NotSupported");
  EXPECT_EQ(lines[2], "NotSupported");
  EXPECT_EQ(lines[3], "OK") << "the child's own client could not write";
  // The parent: its own record and the child's, never the inherited handle's; then its next append
  // gets a row of its own (no two records share a vector).
  RecordBatch second;
  second.ids = {"p2"};
  second.embeddings = FloatMatrix(2, {-1, 0});
  ASSERT_TRUE((*c)->Add(second).ok());
  GetOptions all;
  all.include.embeddings = true;
  auto rows = (*c)->Get(all);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::string, std::vector<float>> by_id;
  for (size_t i = 0; i < rows->ids.size(); ++i) {
    by_id[rows->ids[i]] = {rows->embeddings->row(i)[0], rows->embeddings->row(i)[1]};
  }
  EXPECT_EQ(by_id.size(), 3u);
  EXPECT_EQ(by_id.count("inherited"), 0u);
  EXPECT_EQ(by_id["p1"], (std::vector<float>{1, 0}));
  EXPECT_EQ(by_id["child"], (std::vector<float>{1, 1}));
  EXPECT_EQ(by_id["p2"], (std::vector<float>{-1, 0}));
  QueryOptions q;
  q.query_embeddings = FloatMatrix(2, {1, 1});
  q.n_results = 3;
  auto hits = (*c)->Query(q);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_EQ(hits->ids[0].size(), 3u);
}

}  // namespace
}  // namespace ochre
