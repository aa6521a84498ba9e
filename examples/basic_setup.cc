// Copyright 2026 The OchreDB Authors.
//
// basic_setup: the smallest useful OchreDB program. Opens a persistent client on a directory, creates
// a collection with the default (built-in hashing) embedding function, adds three documents and asks
// which one is closest to a question. Usage: basic_setup [db_dir] (default: a fresh directory in /tmp).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ochre/ochre.h"

namespace {

// Prints the problem and returns the exit code, so that `return Fail(...)` reads as one step.
int Fail(const std::string& what) {
  std::fprintf(stderr, "basic_setup: FAILED: %s\n", what.c_str());
  return 1;
}

// A directory for the database: argv[1] when given, else a new empty directory under /tmp.
std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-basic_setup-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-basic_setup";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = DatabaseDir(argc, argv);
  std::printf("OchreDB %s, database in %s\n", std::string(ochre::Version()).c_str(), path.c_str());

  // Every fallible call returns a Status or Result: check ok() before using the value.
  auto client = ochre::PersistentClient::Open(path);
  if (!client.ok()) return Fail("open: " + client.status().ToString());
  std::printf("heartbeat: %lld ns since the epoch\n", static_cast<long long>((*client)->Heartbeat()));

  ochre::CreateCollectionOptions options;
  options.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  options.name = "basics";
  options.metadata = ochre::Metadata{{"description", std::string("the basic_setup example")}};
  // get_or_create makes the program safe to run again on the same directory.
  options.get_or_create = true;
  auto collection = (*client)->CreateCollection(options);
  if (!collection.ok()) return Fail("create collection: " + collection.status().ToString());

  // No embeddings given: the collection's embedding function embeds the documents.
  ochre::RecordBatch batch;
  batch.ids = {"cat", "car", "cake"};
  batch.documents =
      std::vector<std::optional<std::string>>{"Cats are small domesticated felines that purr and sleep a lot.",
                                              "A car is a wheeled motor vehicle used for transportation on roads.",
                                              "A cake is a sweet baked dessert made from flour, sugar and eggs."};
  if (auto s = (*collection)->Add(batch); !s.ok()) return Fail("add: " + s.ToString());

  auto count = (*collection)->Count();
  if (!count.ok() || *count != 3) return Fail("expected 3 records");
  std::printf("collection '%s' (id %s) holds %lld records\n", (*collection)->name().c_str(),
              (*collection)->id().c_str(), static_cast<long long>(*count));

  ochre::QueryOptions query;
  query.query_texts = std::vector<std::string>{"which motor vehicle drives on roads?"};
  query.n_results = 2;
  auto result = (*collection)->Query(query);
  if (!result.ok()) return Fail("query: " + result.status().ToString());
  for (size_t i = 0; i < result->ids[0].size(); ++i) {
    std::printf("  %zu. %-5s distance %.4f  %s\n", i + 1, result->ids[0][i].c_str(), (*result->distances)[0][i],
                (*result->documents)[0][i].value_or("").c_str());
  }
  if (result->ids[0].empty() || result->ids[0][0] != "car") return Fail("expected 'car' to be the nearest document");

  std::printf("basic_setup: OK\n");
  return 0;
}
