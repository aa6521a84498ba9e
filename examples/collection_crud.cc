// Copyright 2026 The OchreDB Authors.
//
// collection_crud: the life cycle of collections. Create (with metadata and a distance space),
// get_or_create, list with paging, count, get by name and by id, modify (rename, replace metadata,
// change a search parameter) and delete, including what an old handle answers once its collection
// is gone. Usage: collection_crud [db_dir] (default: a fresh directory in /tmp).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ochre/ochre.h"

namespace {

int g_failures = 0;

std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-collection_crud-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-collection_crud";
}

bool Check(bool ok, const std::string& what) {
  std::printf("  %-4s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
  return ok;
}

std::string Names(const std::vector<ochre::CollectionInfo>& infos) {
  std::string out;
  for (const auto& info : infos) out += (out.empty() ? "" : ", ") + info.name;
  return "[" + out + "]";
}

std::string Str(const std::optional<ochre::Metadata>& m, const std::string& key) {
  if (!m || !m->count(key)) return "<none>";
  const auto* s = std::get_if<std::string>(&m->at(key));
  return s ? *s : "<not a string>";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = DatabaseDir(argc, argv);
  auto opened = ochre::PersistentClient::Open(path);
  if (!opened.ok()) {
    std::fprintf(stderr, "collection_crud: FAILED: open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  ochre::Client& client = **opened;
  std::printf("database: %s\n", path.c_str());

  std::printf("create\n");
  for (const char* name : {"articles", "images", "notes"}) {
    ochre::CreateCollectionOptions o;
    o.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = name;
    o.metadata = ochre::Metadata{{"owner", std::string("team-") + name}};
    // Cosine suits embeddings whose length carries no meaning; Chroma's default would be l2.
    o.configuration = ochre::CollectionConfigurationUpdate{};
    o.configuration->hnsw = ochre::HnswConfigUpdate{};
    o.configuration->hnsw->space = ochre::Space::kCosine;
    auto c = client.CreateCollection(o);
    Check(c.ok(), std::string("create '") + name + "'" + (c.ok() ? "" : ": " + c.status().ToString()));
  }
  // get_or_create on an existing name returns it unchanged: the new metadata is not applied.
  ochre::CreateCollectionOptions again;
  again.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  again.name = "notes";
  again.metadata = ochre::Metadata{{"owner", std::string("somebody else")}};
  auto notes = client.GetOrCreateCollection(again);
  Check(notes.ok() && Str((*notes)->metadata(), "owner") == "team-notes",
        "get_or_create of 'notes' returns the existing collection with its metadata");

  std::printf("list and count\n");
  auto all = client.ListCollections();
  auto count = client.CountCollections();
  Check(all.ok() && all->size() == 3, "list: " + (all.ok() ? Names(*all) : all.status().ToString()));
  Check(count.ok() && *count == 3, "count_collections is 3");
  // Pages come in collection id order, so two pages together are the whole list.
  auto page1 = client.ListCollections(2, 0);
  auto page2 = client.ListCollections(2, 2);
  Check(page1.ok() && page2.ok() && page1->size() == 2 && page2->size() == 1 && all.ok() &&
            (*page1)[0].id == (*all)[0].id && (*page2)[0].id == (*all)[2].id,
        "list(limit=2, offset=0) + list(limit=2, offset=2) = " + (page1.ok() ? Names(*page1) : "?") + " + " +
            (page2.ok() ? Names(*page2) : "?"));

  std::printf("get\n");
  auto articles = client.GetCollection("articles");
  if (!Check(articles.ok(), "get 'articles' by name")) return 1;
  auto by_id = client.GetCollectionById((*articles)->id());
  Check(by_id.ok() && (*by_id)->name() == "articles", "get by id " + (*articles)->id());
  auto info = (*articles)->Info();
  Check(info.ok() && info->configuration.hnsw.space == ochre::Space::kCosine &&
            info->configuration.embedding_function && info->configuration.embedding_function->name == "ochre_hashing",
        "its configuration records space " +
            std::string(info.ok() ? ochre::SpaceName(info->configuration.hnsw.space) : "?") +
            " and the embedding function " +
            (info.ok() && info->configuration.embedding_function ? info->configuration.embedding_function->name : "?"));

  std::printf("modify\n");
  ochre::HnswConfigUpdate faster;
  faster.ef_search = 50;
  ochre::CollectionConfigurationUpdate config;
  config.hnsw = faster;
  ochre::Status renamed =
      (*articles)->Modify(std::string("news"), ochre::Metadata{{"owner", std::string("newsroom")}}, config);
  Check(renamed.ok(), "rename 'articles' to 'news', replace its metadata, set ef_search=50" +
                          (renamed.ok() ? "" : ": " + renamed.ToString()));
  auto news = client.GetCollection("news");
  Check(news.ok() && Str((*news)->metadata(), "owner") == "newsroom" && (*news)->id() == (*articles)->id(),
        "'news' has the same id and the new metadata");
  auto news_info = news.ok() ? (*news)->Info() : ochre::Result<ochre::CollectionInfo>(news.status());
  Check(news_info.ok() && news_info->configuration.hnsw.ef_search == 50, "ef_search is now 50");
  Check(client.GetCollection("articles").status().IsNotFound(), "the old name is gone");
  Check((*articles)->Modify(std::string("images"), std::nullopt, std::nullopt).IsAlreadyExists(),
        "renaming onto a taken name is refused (AlreadyExists)");

  std::printf("delete\n");
  auto images = client.GetCollection("images");
  Check(client.DeleteCollection("images").ok(), "delete 'images'");
  Check(client.CountCollections().ok() && *client.CountCollections() == 2, "two collections left");
  // A handle outlives its collection harmlessly: every call answers NotFound.
  if (images.ok()) {
    auto stale = (*images)->Count();
    Check(stale.status().IsNotFound(), "the old handle answers: " + stale.status().ToString());
  }
  auto left = client.ListCollections();
  std::printf("  remaining: %s\n", left.ok() ? Names(*left).c_str() : left.status().ToString().c_str());

  if (g_failures != 0) {
    std::fprintf(stderr, "collection_crud: FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("collection_crud: OK\n");
  return 0;
}
