// Copyright 2026 The OchreDB Authors.
//
// Client-level behaviour: persistence across processes, sharing of one database by several clients
// in a process, collection lifecycle (list order, limit/offset, count, get_or_create, rename,
// delete), tenants and databases, reset, and removal of deleted collections' directories.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "ochre/ochre.h"
#include "testutil/reference_model.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<Collection> MustCreate(Client& client, const std::string& name, const Scope& scope = {},
                                       std::optional<Metadata> metadata = std::nullopt) {
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = name;
  o.metadata = std::move(metadata);
  o.embedding_function = nullptr;
  auto c = client.CreateCollection(o, scope);
  EXPECT_TRUE(c.ok()) << name << ": " << c.status().ToString();
  return c.ok() ? *c : nullptr;
}

RecordBatch OneRecord(const std::string& id, float x) {
  RecordBatch b;
  b.ids = {id};
  b.embeddings = FloatMatrix(2, {x, 1});
  b.documents = std::vector<std::optional<std::string>>{"doc " + id};
  return b;
}

std::vector<std::string> Names(const std::vector<CollectionInfo>& infos) {
  std::vector<std::string> out;
  for (const auto& i : infos) out.push_back(i.name);
  return out;
}

std::vector<std::string> DirsUnder(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The deterministic workload of the cross-process test: both processes build it from the seed, one
// to write it, the other to know what to expect.
struct Workload {
  std::vector<std::pair<std::string, RecordBatch>> adds;  // collection name, batch
  std::vector<std::pair<std::string, RecordBatch>> upserts;
  std::vector<std::pair<std::string, std::vector<std::string>>> deletes;
};

Workload MakeWorkload(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Workload w;
  for (const char* name : {"alpha", "beta"}) {
    for (int batch = 0; batch < 5; ++batch) {
      RecordBatch b;
      std::vector<float> data;
      b.documents.emplace();
      b.metadatas.emplace();
      for (int i = 0; i < 40; ++i) {
        b.ids.push_back(std::string(name) + "-" + std::to_string(batch * 40 + i));
        for (int d = 0; d < 7; ++d) data.push_back(std::normal_distribution<float>()(rng));
        b.documents->push_back(i % 5 ? std::optional<std::string>("document " + std::to_string(rng() % 1000))
                                     : std::nullopt);
        b.metadatas->push_back(i % 3 ? std::optional<Metadata>(Metadata{{"n", int64_t(rng() % 10)},
                                                                        {"tag", std::string(i % 2 ? "odd" : "even")}})
                                     : std::nullopt);
      }
      b.embeddings = FloatMatrix(7, std::move(data));
      w.adds.emplace_back(name, std::move(b));
    }
    RecordBatch u;
    std::vector<float> data;
    u.metadatas.emplace();
    for (int i = 0; i < 30; ++i) {
      u.ids.push_back(std::string(name) + "-" + std::to_string(rng() % 250));
      for (int d = 0; d < 7; ++d) data.push_back(std::normal_distribution<float>()(rng));
      u.metadatas->push_back(Metadata{{"n", std::monostate{}}, {"upserted", true}});
    }
    std::sort(u.ids.begin(), u.ids.end());
    u.ids.erase(std::unique(u.ids.begin(), u.ids.end()), u.ids.end());
    data.resize(u.ids.size() * 7);
    u.metadatas->resize(u.ids.size());
    u.embeddings = FloatMatrix(7, std::move(data));
    w.upserts.emplace_back(name, std::move(u));
    std::vector<std::string> doomed;
    for (int i = 0; i < 25; ++i) doomed.push_back(std::string(name) + "-" + std::to_string(rng() % 200));
    std::sort(doomed.begin(), doomed.end());
    doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
    w.deletes.emplace_back(name, std::move(doomed));
  }
  return w;
}

TEST(ClientTest, DataWrittenByAChildProcessIsReadBackByTheParent) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  const uint64_t seed = testutil::TestSeed("ClientTest.CrossProcess", 7);
  const Workload w = MakeWorkload(seed);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(120);  // a hang guard
    int code = 0;
    {
      auto client = PersistentClient::Open(path);
      if (!client.ok()) ::_exit(10);
      std::map<std::string, std::shared_ptr<Collection>> colls;
      for (const char* name : {"alpha", "beta"}) {
        CreateCollectionOptions o;
        o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
        o.name = name;
        o.embedding_function = nullptr;
        auto c = (*client)->CreateCollection(o);
        if (!c.ok()) ::_exit(11);
        colls[name] = *c;
      }
      for (const auto& [name, b] : w.adds) code |= colls[name]->Add(b).ok() ? 0 : 1;
      for (const auto& [name, b] : w.upserts) code |= colls[name]->Upsert(b).ok() ? 0 : 2;
      for (const auto& [name, ids] : w.deletes) {
        DeleteOptions o;
        o.ids = ids;
        code |= colls[name]->Delete(o).ok() ? 0 : 4;
      }
    }
    ::_exit(code);  // no destructors of the test framework in the child
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child status " << status;
  ASSERT_EQ(WEXITSTATUS(status), 0);

  std::map<std::string, testutil::ReferenceModel> models;
  for (const auto& [name, b] : w.adds) models[name].Add(b);
  for (const auto& [name, b] : w.upserts) models[name].Upsert(b);
  for (const auto& [name, ids] : w.deletes) models[name].DeleteIds(ids);

  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ(*(*client)->CountCollections(), 2);
  for (auto& [name, model] : models) {
    auto c = (*client)->GetCollection(name);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    GetOptions o;
    o.include = Include{true, true, true, false, false};
    auto r = (*c)->Get(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->ids, model.OrderedIds()) << name;
    for (size_t i = 0; i < r->ids.size(); ++i) {
      const auto* m = model.Find(r->ids[i]);
      EXPECT_EQ((*r->documents)[i], m->document) << r->ids[i];
      EXPECT_EQ((*r->metadatas)[i], m->metadata) << r->ids[i];
      EXPECT_TRUE(testutil::BitwiseEqual(r->embeddings->row(i), m->embedding.data(), 7)) << r->ids[i];
    }
    // Queries answer from the reloaded index: each stored vector finds itself.
    for (size_t i = 0; i < r->ids.size(); i += 17) {
      QueryOptions q;
      q.query_embeddings = FloatMatrix(7, r->embeddings->RowVector(i));
      q.n_results = 1;
      auto qr = (*c)->Query(q);
      ASSERT_TRUE(qr.ok());
      ASSERT_EQ(qr->ids[0].size(), 1u);
      EXPECT_EQ(qr->ids[0][0], r->ids[i]);
      EXPECT_NEAR((*qr->distances)[0][0], 0.0, 1e-4);
    }
  }
}

TEST(ClientTest, TwoPersistentClientsOnOnePathShareTheDatabase) {
  testutil::TempDir dir;
  auto a = PersistentClient::Open(dir.Sub("db"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = PersistentClient::Open(dir.Sub("db") + "/../db");  // another spelling of the same path
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  auto ca = MustCreate(**a, "shared");
  ASSERT_TRUE(ca->Add(OneRecord("x", 1)).ok());
  auto cb = (*b)->GetCollection("shared");
  ASSERT_TRUE(cb.ok()) << cb.status().ToString();
  EXPECT_EQ(*(*cb)->Count(), 1);
  ASSERT_TRUE((*cb)->Add(OneRecord("y", 2)).ok());
  EXPECT_EQ(*ca->Count(), 2);
  // A client with different settings on the same path is refused.
  Settings other;
  other.allow_reset = true;
  auto c = PersistentClient::Open(dir.Sub("db"), other);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("different settings"), std::string::npos) << c.status().message();
  // Closing one client leaves the other working.
  a->reset();
  EXPECT_EQ(*(*cb)->Count(), 2);
  ASSERT_TRUE((*cb)->Add(OneRecord("z", 3)).ok());
  EXPECT_EQ(*(*cb)->Count(), 3);
}

TEST(ClientTest, EphemeralClientsShareOneDatabase) {
  auto a = EphemeralClient::Open();
  ASSERT_TRUE(a.ok());
  auto b = EphemeralClient::Open();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*a)->path(), "");
  auto ca = MustCreate(**a, "ephemeral-shared");
  ASSERT_TRUE(ca->Add(OneRecord("x", 1)).ok());
  auto cb = (*b)->GetCollection("ephemeral-shared");
  ASSERT_TRUE(cb.ok()) << cb.status().ToString();
  EXPECT_EQ(*(*cb)->Count(), 1);
  EXPECT_TRUE((*b)->DeleteCollection("ephemeral-shared").ok());
  EXPECT_FALSE((*a)->GetCollection("ephemeral-shared").ok());
}

TEST(ClientTest, EphemeralDatabaseIsGoneWhenTheLastClientCloses) {
  {
    auto a = EphemeralClient::Open();
    ASSERT_TRUE(a.ok());
    MustCreate(**a, "short-lived");
  }
  auto b = EphemeralClient::Open();
  ASSERT_TRUE(b.ok());
  auto c = (*b)->GetCollection("short-lived");
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST(ClientTest, CollectionsAreListedByIdWithLimitAndOffset) {
  testutil::TempDir dir;
  auto client = PersistentClient::Open(dir.Sub("db"));
  ASSERT_TRUE(client.ok());
  std::vector<std::pair<std::string, std::string>> by_id;  // id, name
  for (const char* name : {"one", "two", "three", "four", "five"}) {
    auto c = MustCreate(**client, name);
    by_id.emplace_back(c->id(), name);
  }
  std::sort(by_id.begin(), by_id.end());
  std::vector<std::string> expected;
  for (const auto& [id, name] : by_id) expected.push_back(name);
  auto all = (*client)->ListCollections();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Names(*all), expected);
  auto page = (*client)->ListCollections(2, 1);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Names(*page), (std::vector<std::string>{expected[1], expected[2]}));
  auto tail = (*client)->ListCollections(std::nullopt, 4);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(Names(*tail), (std::vector<std::string>{expected[4]}));
  auto none = (*client)->ListCollections(0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(*(*client)->CountCollections(), 5);
}

TEST(ClientTest, GetOrCreateKeepsTheExistingCollectionUnchanged) {
  testutil::TempDir dir;
  auto client = PersistentClient::Open(dir.Sub("db"));
  ASSERT_TRUE(client.ok());
  auto first = MustCreate(**client, "kept", {}, Metadata{{"v", int64_t{1}}});
  ASSERT_TRUE(first->Add(OneRecord("x", 1)).ok());
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "kept";
  o.metadata = Metadata{{"v", int64_t{2}}};
  o.embedding_function = nullptr;
  auto again = (*client)->GetOrCreateCollection(o);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->id(), first->id());
  EXPECT_EQ((*again)->metadata(), (Metadata{{"v", int64_t{1}}}));
  EXPECT_EQ(*(*again)->Count(), 1);
  o.get_or_create = true;
  auto third = (*client)->CreateCollection(o);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ((*third)->id(), first->id());
  auto info = (*third)->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->metadata, (Metadata{{"v", int64_t{1}}}));
  EXPECT_EQ(*(*client)->CountCollections(), 1);
}

TEST(ClientTest, RenameMovesTheNameAndACollisionIsRefused) {
  testutil::TempDir dir;
  auto client = PersistentClient::Open(dir.Sub("db"));
  ASSERT_TRUE(client.ok());
  auto a = MustCreate(**client, "first");
  auto b = MustCreate(**client, "second");
  ASSERT_TRUE(a->Add(OneRecord("x", 1)).ok());
  Status clash = a->Modify(std::string("second"), std::nullopt, std::nullopt);
  EXPECT_EQ(clash.code(), StatusCode::kAlreadyExists) << clash.ToString();
  EXPECT_NE(clash.message().find("Collection [second] already exists"), std::string::npos) << clash.message();
  EXPECT_EQ((*client)->GetCollection("first").value()->id(), a->id());
  ASSERT_TRUE(a->Modify(std::string("renamed"), std::nullopt, std::nullopt).ok());
  EXPECT_EQ(a->name(), "renamed");
  EXPECT_EQ((*client)->GetCollection("first").status().code(), StatusCode::kNotFound);
  auto renamed = (*client)->GetCollection("renamed");
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ((*renamed)->id(), a->id());
  EXPECT_EQ(*(*renamed)->Count(), 1);
  auto by_id = (*client)->GetCollectionById(a->id());
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ((*by_id)->name(), "renamed");
  // The freed name can be taken again.
  MustCreate(**client, "first");
  EXPECT_EQ(*(*client)->CountCollections(), 3);
}

TEST(ClientTest, DeletedCollectionAnswersNotFoundAndItsDirectoryIsRemoved) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok());
  auto keep = MustCreate(**client, "keep");
  auto gone = MustCreate(**client, "gone");
  ASSERT_TRUE(keep->Add(OneRecord("x", 1)).ok());
  ASSERT_TRUE(gone->Add(OneRecord("y", 2)).ok());
  ASSERT_TRUE((*client)->Checkpoint().ok());
  const std::string root = path + "/collections";
  EXPECT_EQ(DirsUnder(root), ([&] {
              std::vector<std::string> v{keep->id(), gone->id()};
              std::sort(v.begin(), v.end());
              return v;
            }()));
  ASSERT_TRUE((*client)->DeleteCollection("gone").ok());
  EXPECT_EQ(DirsUnder(root), (std::vector<std::string>{keep->id()}));
  auto count = gone->Count();
  EXPECT_EQ(count.status().code(), StatusCode::kNotFound);
  EXPECT_NE(count.status().message().find("Collection [" + gone->id() + "] does not exist."), std::string::npos)
      << count.status().message();
  EXPECT_EQ(gone->Add(OneRecord("z", 3)).code(), StatusCode::kNotFound);
  EXPECT_EQ((*client)->GetCollectionById(gone->id()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*keep->Count(), 1);
  // A directory the catalog does not know that carries the deletion marker (a crash between the
  // commit and the removal) goes at the next open. One without the marker (a collection of an older
  // or restored catalog, or one another process is creating) is never deleted.
  const std::string deleted = "00000000-0000-4000-8000-000000000000";
  const std::string foreign = "00000000-0000-4000-8000-000000000001";
  fs::create_directories(root + "/" + deleted);
  { std::ofstream(root + "/" + deleted + "/DELETED") << "deleted\n"; }
  fs::create_directories(root + "/" + foreign);
  { std::ofstream(root + "/" + foreign + "/vectors.f32") << "not ours to delete"; }
  const std::string keep_id = keep->id();
  keep.reset();
  gone.reset();
  client->reset();
  auto reopened = PersistentClient::Open(path);
  ASSERT_TRUE(reopened.ok());
  std::vector<std::string> expected{foreign, keep_id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(DirsUnder(root), expected);
  EXPECT_TRUE(fs::exists(root + "/" + foreign + "/vectors.f32"));
  EXPECT_EQ(*(*reopened)->GetCollection("keep").value()->Count(), 1);
}

TEST(ClientTest, TenantsAndDatabasesAreCreatedListedByNameAndDeletedWithTheirCollections) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  auto client = PersistentClient::Open(path);
  ASSERT_TRUE(client.ok());
  Client& cl = **client;
  ASSERT_TRUE(cl.CreateTenant("acme").ok());
  EXPECT_EQ(cl.CreateTenant("acme").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*cl.GetTenant("acme"), "acme");
  EXPECT_EQ(cl.GetTenant("nobody").status().code(), StatusCode::kNotFound);
  for (const char* db : {"zeta", "alpha", "mid"}) ASSERT_TRUE(cl.CreateDatabase(db, "acme").ok()) << db;
  EXPECT_EQ(cl.CreateDatabase("mid", "acme").code(), StatusCode::kAlreadyExists);
  auto dbs = cl.ListDatabases(std::nullopt, std::nullopt, "acme");
  ASSERT_TRUE(dbs.ok());
  std::vector<std::string> names;
  for (const auto& d : *dbs) {
    names.push_back(d.name);
    EXPECT_EQ(d.tenant, "acme");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "mid", "zeta"}));
  auto page = cl.ListDatabases(1, 1, "acme");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].name, "mid");
  auto got = cl.GetDatabase("alpha", "acme");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "alpha");
  EXPECT_EQ(cl.GetDatabase("alpha").status().code(), StatusCode::kNotFound);  // default tenant has none

  // Collections are scoped: the same name in two databases, each invisible from the other.
  const Scope alpha{"acme", "alpha"};
  auto in_alpha = MustCreate(cl, "things", alpha);
  auto in_default = MustCreate(cl, "things");
  ASSERT_NE(in_alpha, nullptr);
  ASSERT_TRUE(in_alpha->Add(OneRecord("x", 1)).ok());
  EXPECT_EQ(*cl.CountCollections(alpha), 1);
  EXPECT_EQ(*cl.CountCollections(), 1);
  EXPECT_EQ(*in_default->Count(), 0);
  auto info = in_alpha->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->tenant, "acme");
  EXPECT_EQ(info->database, "alpha");
  EXPECT_EQ(cl.CountCollections(Scope{"acme", "nope"}).status().code(), StatusCode::kNotFound);

  // Deleting the database deletes its collections and their files.
  ASSERT_TRUE(cl.DeleteDatabase("alpha", "acme").ok());
  EXPECT_EQ(cl.GetDatabase("alpha", "acme").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cl.DeleteDatabase("alpha", "acme").code(), StatusCode::kNotFound);
  EXPECT_EQ(cl.GetCollectionById(in_alpha->id()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(in_alpha->Count().status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(fs::exists(path + "/collections/" + in_alpha->id()));
  EXPECT_EQ(*cl.CountCollections(), 1);
  auto left = cl.ListDatabases(std::nullopt, std::nullopt, "acme");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 2u);
}

TEST(ClientTest, ResetIsRefusedWithoutAllowReset) {
  testutil::TempDir dir;
  auto client = PersistentClient::Open(dir.Sub("db"));
  ASSERT_TRUE(client.ok());
  auto c = MustCreate(**client, "precious");
  ASSERT_TRUE(c->Add(OneRecord("x", 1)).ok());
  Status s = (*client)->Reset();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("Reset is disabled"), std::string::npos) << s.message();
  EXPECT_EQ(*c->Count(), 1);
  EXPECT_EQ(*(*client)->CountCollections(), 1);
}

TEST(ClientTest, ResetEmptiesEverythingAndRemovesCollectionDirectories) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  Settings settings;
  settings.allow_reset = true;
  {
    auto client = PersistentClient::Open(path, settings);
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE((*client)->CreateTenant("acme").ok());
    ASSERT_TRUE((*client)->CreateDatabase("other", "acme").ok());
    auto a = MustCreate(**client, "one");
    auto b = MustCreate(**client, "two", Scope{"acme", "other"});
    ASSERT_TRUE(a->Add(OneRecord("x", 1)).ok());
    ASSERT_TRUE(b->Add(OneRecord("y", 2)).ok());
    EXPECT_EQ(DirsUnder(path + "/collections").size(), 2u);
    ASSERT_TRUE((*client)->Reset().ok());
    EXPECT_TRUE(DirsUnder(path + "/collections").empty());
    EXPECT_EQ(*(*client)->CountCollections(), 0);
    EXPECT_EQ(a->Count().status().code(), StatusCode::kNotFound);
    EXPECT_EQ((*client)->GetTenant("acme").status().code(), StatusCode::kNotFound);
    // The default tenant and database are there again, and usable.
    EXPECT_TRUE((*client)->GetDatabase(kDefaultDatabase).ok());
    auto fresh = MustCreate(**client, "one");
    ASSERT_NE(fresh, nullptr);
    EXPECT_NE(fresh->id(), a->id());
    EXPECT_EQ(*fresh->Count(), 0);
    ASSERT_TRUE(fresh->Add(OneRecord("z", 3)).ok());
  }
  auto client = PersistentClient::Open(path, settings);
  ASSERT_TRUE(client.ok());
  auto list = (*client)->ListCollections();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(Names(*list), (std::vector<std::string>{"one"}));
  EXPECT_EQ(DirsUnder(path + "/collections").size(), 1u);
}

}  // namespace
}  // namespace ochre
