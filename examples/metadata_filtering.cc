// Copyright 2026 The OchreDB Authors.
//
// metadata_filtering: Chroma's `where` and `where_document` filters on a small product catalogue.
// Each filter is written as the JSON a Chroma user would pass, parsed with ParseWhere /
// ParseWhereDocument, run through get (and one through query), and its ids are checked against the
// expected answer. Usage: metadata_filtering [db_dir] (default: a fresh directory in /tmp).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ochre/ochre.h"

namespace {

using ochre::Metadata;

int g_failures = 0;

std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-metadata_filtering-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-metadata_filtering";
}

std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : " ") + id;
  return "[" + out + "]";
}

struct Product {
  const char* id;
  const char* description;
  Metadata metadata;
};

std::vector<Product> Catalogue() {
  using S = std::string;
  using Tags = std::vector<std::string>;
  // "kettle" has no "price" key and "lamp" no "tags": filters must handle missing keys as Chroma does.
  return {
      {"laptop",
       "A light laptop with a 14 inch screen and long battery life.",
       {{"category", S("electronics")}, {"price", 1299.0}, {"stock", int64_t{4}}, {"tags", Tags{"sale", "new"}}}},
      {"phone",
       "A phone with a great camera and a bright OLED screen.",
       {{"category", S("electronics")}, {"price", 799.0}, {"stock", int64_t{0}}, {"tags", Tags{"new"}}}},
      {"novel",
       "A mystery novel set in a small coastal town.",
       {{"category", S("books")}, {"price", 14.5}, {"stock", int64_t{25}}, {"tags", Tags{"bestseller"}}}},
      {"cookbook",
       "Recipes for bread, pasta and slow-cooked stews.",
       {{"category", S("books")}, {"price", 32.0}, {"stock", int64_t{7}}, {"tags", Tags{"sale", "bestseller"}}}},
      {"kettle",
       "An electric kettle that boils water in two minutes.",
       {{"category", S("kitchen")}, {"stock", int64_t{12}}, {"tags", Tags{"sale"}}}},
      {"pan",
       "A cast iron pan for searing steaks and baking cornbread.",
       {{"category", S("kitchen")}, {"price", int64_t{45}}, {"stock", int64_t{3}}, {"tags", Tags{"bestseller"}}}},
      {"lamp",
       "A desk lamp with a warm LED light and a USB port.",
       {{"category", S("home")}, {"price", 29.99}, {"stock", int64_t{0}}}},
  };
}

// Runs a get with the given filters and checks the ids (get returns them in insertion order).
void ExpectGet(ochre::Collection& c, const char* where_json, const char* where_document_json,
               const std::vector<std::string>& expected, const char* why) {
  ochre::GetOptions o;
  o.include = ochre::Include{};  // ids only
  std::string label;
  if (where_json != nullptr) {
    auto w = ochre::ParseWhere(where_json);
    if (!w.ok()) {
      std::printf("FAIL %s: %s\n", where_json, w.status().ToString().c_str());
      ++g_failures;
      return;
    }
    o.where = std::move(*w);
    label += std::string("where ") + where_json;
  }
  if (where_document_json != nullptr) {
    auto wd = ochre::ParseWhereDocument(where_document_json);
    if (!wd.ok()) {
      std::printf("FAIL %s: %s\n", where_document_json, wd.status().ToString().c_str());
      ++g_failures;
      return;
    }
    o.where_document = std::move(*wd);
    label += (label.empty() ? "" : " and ") + std::string("where_document ") + where_document_json;
  }
  auto r = c.Get(o);
  const bool ok = r.ok() && r->ids == expected;
  std::printf("%-4s %s\n     %s\n     -> %s\n", ok ? "ok" : "FAIL", why, label.c_str(),
              r.ok() ? Join(r->ids).c_str() : r.status().ToString().c_str());
  if (!ok) {
    std::printf("     expected %s\n", Join(expected).c_str());
    ++g_failures;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = DatabaseDir(argc, argv);
  auto client = ochre::PersistentClient::Open(path);
  if (!client.ok()) {
    std::fprintf(stderr, "metadata_filtering: FAILED: open: %s\n", client.status().ToString().c_str());
    return 1;
  }
  ochre::CreateCollectionOptions options;
  options.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  options.name = "products";
  auto created = (*client)->CreateCollection(options);
  if (!created.ok()) {
    std::fprintf(stderr, "metadata_filtering: FAILED: create: %s\n", created.status().ToString().c_str());
    return 1;
  }
  ochre::Collection& c = **created;
  ochre::RecordBatch batch;
  batch.documents.emplace();
  batch.metadatas.emplace();
  for (const Product& p : Catalogue()) {
    batch.ids.push_back(p.id);
    batch.documents->push_back(p.description);
    batch.metadatas->push_back(p.metadata);
  }
  if (auto s = c.Add(batch); !s.ok()) {
    std::fprintf(stderr, "metadata_filtering: FAILED: add: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("database: %s, %zu products\n\n", path.c_str(), batch.ids.size());

  ExpectGet(c, R"({"category": "books"})", nullptr, {"novel", "cookbook"}, "a bare value means $eq");
  ExpectGet(c, R"({"category": {"$eq": "kitchen"}})", nullptr, {"kettle", "pan"}, "$eq");
  ExpectGet(c, R"({"category": {"$ne": "electronics"}})", nullptr, {"novel", "cookbook", "kettle", "pan", "lamp"},
            "$ne");
  ExpectGet(c, R"({"price": {"$gt": 40}})", nullptr, {"laptop", "phone", "pan"},
            "$gt compares ints and floats alike (pan's price is the int 45); kettle has no price");
  ExpectGet(c, R"({"price": {"$ne": 799}})", nullptr, {"laptop", "novel", "cookbook", "kettle", "pan", "lamp"},
            "$ne also matches records without the key (kettle)");
  ExpectGet(c, R"({"category": {"$in": ["books", "home"]}})", nullptr, {"novel", "cookbook", "lamp"}, "$in");
  ExpectGet(c, R"({"$and": [{"stock": {"$gt": 0}}, {"price": {"$lt": 50}}]})", nullptr, {"novel", "cookbook", "pan"},
            "$and: in stock and under 50");
  ExpectGet(c, R"({"$or": [{"stock": 0}, {"category": "kitchen"}]})", nullptr, {"phone", "kettle", "pan", "lamp"},
            "$or: sold out or in the kitchen");
  ExpectGet(c, R"({"tags": {"$contains": "sale"}})", nullptr, {"laptop", "cookbook", "kettle"},
            "$contains on a metadata array");
  ExpectGet(c, R"({"tags": {"$not_contains": "bestseller"}})", nullptr, {"laptop", "phone", "kettle", "lamp"},
            "$not_contains, which matches records without the array too (lamp)");
  ExpectGet(c, nullptr, R"({"$contains": "screen"})", {"laptop", "phone"}, "where_document $contains");
  ExpectGet(c, nullptr, R"({"$regex": "\\b([0-9]+|two) (inch|minutes)\\b"})", {"laptop", "kettle"},
            "where_document $regex (RE2 syntax, linear time)");
  ExpectGet(c, R"({"category": "electronics"})", R"({"$not_contains": "camera"})", {"laptop"},
            "where and where_document together");

  // A query ranks by similarity within what the filters allow.
  ochre::QueryOptions q;
  q.query_texts = std::vector<std::string>{"something to cook dinner with"};
  q.n_results = 5;
  q.where = *ochre::ParseWhere(R"({"$and": [{"category": {"$in": ["kitchen", "books"]}}, {"stock": {"$gte": 5}}]})");
  auto r = c.Query(q);
  std::printf("query \"something to cook dinner with\" where kitchen or books with stock >= 5:\n");
  bool ok = r.ok() && r->ids[0].size() == 3;
  for (size_t i = 0; r.ok() && i < r->ids[0].size(); ++i) {
    std::printf("     %zu. %-8s distance %.4f\n", i + 1, r->ids[0][i].c_str(), (*r->distances)[0][i]);
    ok = ok && r->ids[0][i] != "pan";  // stock 3
  }
  std::printf("%-4s only novel, cookbook and kettle qualify\n", ok ? "ok" : "FAIL");
  if (!ok) ++g_failures;

  if (g_failures != 0) {
    std::fprintf(stderr, "metadata_filtering: FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("metadata_filtering: OK\n");
  return 0;
}
