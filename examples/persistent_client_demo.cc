// Copyright 2026 The OchreDB Authors.
//
// persistent_client_demo: the tour of OchreDB's persistent client that `make demo` runs, in five parts
// after a look at what the previous run left: (1) opening a client and the errors for bad paths,
// (2) a collection of documents with metadata and queries on it, (3) persistence across a restart,
// (4) resetting the database and recreating it, (5) the same workload on an ephemeral and a
// persistent client, timed side by side. Exits non-zero when any check fails.
// Usage: persistent_client_demo [db_dir] (default ./chroma_db).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ochre/ochre.h"

namespace {

using ochre::Client;
using ochre::Collection;
using ochre::Metadata;

constexpr const char* kDemoCollection = "demo_docs";
constexpr const char* kPerfCollection = "perf";
int g_failures = 0;

void Heading(const char* title) { std::printf("\n=== %s ===\n", title); }

// Records one check; any failed check makes the exit code 1.
bool Check(bool ok, const std::string& what) {
  std::printf("  [%s] %s\n", ok ? "PASS" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
  return ok;
}

bool CheckOk(const ochre::Status& s, const std::string& what) {
  return Check(s.ok(), s.ok() ? what : what + ": " + s.ToString());
}

// For steps repeated in a loop: silent when ok, a FAIL line otherwise.
bool ExpectOk(const ochre::Status& s, const std::string& what) { return s.ok() || CheckOk(s, what); }

struct SampleDoc {
  const char* id;
  const char* text;
  const char* category;
  int64_t year;
};

// A dozen short documents across three categories, so that text and filtered queries have visibly
// different answers.
constexpr SampleDoc kSamples[] = {
    {"sci-1", "The James Webb Space Telescope captured infrared images of distant galaxies.", "science", 2022},
    {"sci-2", "CRISPR gene editing lets scientists modify DNA sequences with precision.", "science", 2012},
    {"sci-3", "Researchers observed gravitational waves from two merging black holes.", "science", 2016},
    {"sci-4", "A new battery chemistry promises faster charging for electric vehicles.", "science", 2023},
    {"tech-1", "Vector databases store embeddings and answer nearest neighbour queries.", "technology", 2023},
    {"tech-2", "The transformer architecture changed natural language processing.", "technology", 2017},
    {"tech-3", "SQLite is an embedded SQL database engine used in billions of devices.", "technology", 2000},
    {"tech-4", "Rust offers memory safety without a garbage collector.", "technology", 2015},
    {"food-1", "Sourdough bread rises with a starter of wild yeast and bacteria.", "cooking", 2020},
    {"food-2", "A classic Italian risotto needs arborio rice and patient stirring.", "cooking", 2018},
    {"food-3", "Fermented kimchi is made from napa cabbage, chili and garlic.", "cooking", 2021},
    {"food-4", "Espresso is brewed by forcing hot water through finely ground coffee.", "cooking", 2019},
};

constexpr int64_t kSampleCount = static_cast<int64_t>(std::size(kSamples));

ochre::RecordBatch SampleBatch() {
  ochre::RecordBatch batch;
  batch.documents.emplace();
  batch.metadatas.emplace();
  for (const SampleDoc& d : kSamples) {
    batch.ids.push_back(d.id);
    batch.documents->push_back(d.text);
    batch.metadatas->push_back(Metadata{{"category", std::string(d.category)}, {"year", d.year}});
  }
  return batch;
}

std::string FormatValue(const ochre::MetadataValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "?";
}

// The two queries of part 2, asked again after the restart in part 3.
struct DemoQuery {
  const char* title;
  const char* text;
  const char* where_json;  // nullptr: no filter
};
constexpr DemoQuery kQueries[] = {
    {"text query", "how do databases find similar embeddings?", nullptr},
    {"filtered query (science since 2015)", "images of space and black holes",
     R"({"$and": [{"category": {"$eq": "science"}}, {"year": {"$gte": 2015}}]})"},
};

struct Answer {
  std::vector<std::string> ids;
  std::vector<float> distances;
};

ochre::Result<Answer> RunQuery(const Collection& collection, const DemoQuery& q, bool print) {
  ochre::QueryOptions options;
  options.query_texts = std::vector<std::string>{q.text};
  options.n_results = 3;
  if (q.where_json != nullptr) {
    auto where = ochre::ParseWhere(q.where_json);
    if (!where.ok()) return where.status();
    options.where = std::move(*where);
  }
  auto r = collection.Query(options);
  if (!r.ok()) return r.status();
  Answer answer{r->ids[0], (*r->distances)[0]};
  if (print) {
    std::printf("  %s: \"%s\"%s%s\n", q.title, q.text, q.where_json ? "\n    where " : "",
                q.where_json ? q.where_json : "");
    for (size_t i = 0; i < answer.ids.size(); ++i) {
      const Metadata& m = *(*r->metadatas)[0][i];
      std::printf("    %zu. %-7s d=%.4f  [%s, %s]  %s\n", i + 1, answer.ids[i].c_str(), answer.distances[i],
                  FormatValue(m.at("category")).c_str(), FormatValue(m.at("year")).c_str(),
                  (*r->documents)[0][i].value_or("").c_str());
    }
  }
  return answer;
}

// Part 0: report the collections a previous run left, without changing anything.
void ReportPreviousRun(const std::string& path) {
  Heading("Part 0: what is already in the database");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) || std::filesystem::is_empty(path, ec)) {
    std::printf("  %s does not exist yet: a fresh database will be created.\n", path.c_str());
    return;
  }
  auto client = ochre::PersistentClient::Open(path);
  if (!CheckOk(client.status(), "open " + path)) return;
  auto infos = (*client)->ListCollections();
  if (!CheckOk(infos.status(), "list collections")) return;
  if (infos->empty()) std::printf("  %s exists but holds no collections: a fresh database.\n", path.c_str());
  if (!infos->empty()) std::printf("  A previous run left %zu collection(s) in %s:\n", infos->size(), path.c_str());
  for (const ochre::CollectionInfo& info : *infos) {
    auto c = (*client)->GetCollection(info.name);
    auto n = c.ok() ? (*c)->Count() : ochre::Result<int64_t>(c.status());
    std::printf("    - %-10s %s records, dimension %s\n", info.name.c_str(),
                n.ok() ? std::to_string(*n).c_str() : n.status().ToString().c_str(),
                info.dimension ? std::to_string(*info.dimension).c_str() : "unset");
  }
}

// Part 1: open the client; show that bad paths give a clear error instead of a crash.
std::unique_ptr<Client> InitClient(const std::string& path) {
  Heading("Part 1: client initialisation with error handling");
  const std::string file_path = "/tmp/ochre-demo-not-a-directory-" + std::to_string(getpid());
  std::ofstream(file_path) << "a regular file, not a database directory\n";
  for (const std::string& bad : {file_path, std::string("/proc/ochre-demo/db")}) {
    auto c = ochre::PersistentClient::Open(bad);
    std::printf("  Open(\"%s\")\n    -> %s\n", bad.c_str(), c.ok() ? "OK (unexpected)" : c.status().ToString().c_str());
    Check(!c.ok(), "a bad path is refused with an error");
  }
  std::filesystem::remove(file_path);

  auto client = ochre::PersistentClient::Open(path);
  if (!CheckOk(client.status(), "PersistentClient::Open(\"" + path + "\")")) return nullptr;
  std::printf("  OchreDB %s at %s\n", (*client)->Version().c_str(), (*client)->path().c_str());
  return std::move(*client);
}

ochre::Result<std::shared_ptr<Collection>> CreateDemoCollection(Client& client) {
  ochre::CreateCollectionOptions options;
  // Chosen explicitly so the demo runs on a machine without the all-MiniLM-L6-v2 model (the default).
  options.embedding_function = ochre::MakeHashingEmbeddingFunction();
  std::printf(
      "embedding function: ochre_hashing (needs no model; the default, all-MiniLM-L6-v2, needs `ochre model pull`)\n");
  options.name = kDemoCollection;
  options.metadata = Metadata{{"description", std::string("sample documents of the persistent client demo")}};
  options.get_or_create = true;
  auto c = client.CreateCollection(options);
  if (!c.ok()) return c.status();
  // Add skips ids that are already there, so a collection left by a previous run stays as it is.
  if (auto s = (*c)->Add(SampleBatch()); !s.ok()) return s;
  return c;
}

// Part 2: returns the answers of the two queries, to compare after the restart.
std::vector<Answer> CreateAndQuery(Client& client) {
  Heading("Part 2: create a collection, add documents with metadata, query");
  std::vector<Answer> answers;
  auto c = CreateDemoCollection(client);
  if (!CheckOk(c.status(), "get_or_create collection '" + std::string(kDemoCollection) + "' and add documents")) {
    return answers;
  }
  auto n = (*c)->Count();
  Check(n.ok() && *n == kSampleCount, "count is " + std::to_string(kSampleCount));
  for (const DemoQuery& q : kQueries) {
    auto a = RunQuery(**c, q, /*print=*/true);
    if (!CheckOk(a.status(), q.title)) continue;
    Check(a->ids.size() == 3, "three results");
    answers.push_back(std::move(*a));
  }
  if (answers.size() == std::size(kQueries)) {
    // Only sci-1 (2022), sci-3 (2016) and sci-4 (2023) are science documents from 2015 on.
    std::vector<std::string> got = answers[1].ids;
    std::sort(got.begin(), got.end());
    Check(got == std::vector<std::string>{"sci-1", "sci-3", "sci-4"},
          "the filtered query returns exactly the science documents from 2015 on");
  }
  return answers;
}

// Part 3: every handle is gone before the new client opens, so the answers come from the files.
void VerifyPersistence(const std::string& path, const std::vector<Answer>& before) {
  Heading("Part 3: persistence across a restart");
  std::printf("  Closed the client and every collection handle; opening a fresh client on %s\n", path.c_str());
  auto client = ochre::PersistentClient::Open(path);
  if (!CheckOk(client.status(), "reopen")) return;
  auto c = (*client)->GetCollection(kDemoCollection);
  if (!CheckOk(c.status(), "get collection '" + std::string(kDemoCollection) + "'")) return;
  auto n = (*c)->Count();
  Check(n.ok() && *n == kSampleCount, "same count after restart: " + (n.ok() ? std::to_string(*n) : "?"));
  bool same = before.size() == std::size(kQueries);
  for (size_t i = 0; same && i < before.size(); ++i) {
    auto a = RunQuery(**c, kQueries[i], /*print=*/false);
    same = a.ok() && a->ids == before[i].ids && a->distances == before[i].distances;
    std::printf("  %s: %s\n", kQueries[i].title, same ? "same ids and distances" : "DIFFERENT");
  }
  Check(same, "same query answers (ids and distances) after restart");
  std::printf("  Persistence check: %s\n", same && n.ok() && *n == kSampleCount ? "PASS" : "FAIL");
}

// Part 4: Reset deletes everything; it is refused unless the client's settings allow it.
void ResetAndRecreate(const std::string& path) {
  Heading("Part 4: cleanup utility (reset and recreate)");
  auto plain = ochre::PersistentClient::Open(path);
  if (!CheckOk(plain.status(), "open without allow_reset")) return;
  ochre::Status refused = (*plain)->Reset();
  std::printf("  Reset() with default settings -> %s\n", refused.ToString().c_str());
  Check(refused.code() == ochre::StatusCode::kPermissionDenied, "reset is refused unless allow_reset");
  plain->reset();

  auto client = ochre::PersistentClient::Open(path, ochre::Settings{.allow_reset = true});
  if (!CheckOk(client.status(), "open with Settings{.allow_reset = true}")) return;
  if (!CheckOk((*client)->Reset(), "Reset()")) return;
  auto n = (*client)->CountCollections();
  Check(n.ok() && *n == 0, "no collections after reset");
  auto c = CreateDemoCollection(**client);
  if (!CheckOk(c.status(), "recreate '" + std::string(kDemoCollection) + "' with its documents")) return;
  auto count = (*c)->Count();
  Check(count.ok() && *count == kSampleCount,
        "recreated collection holds " + std::to_string(kSampleCount) + " documents");
}

// Part 5 workload: synthetic but varied sentences, deterministic so runs are comparable.
std::vector<std::string> MakeDocuments(size_t n) {
  static const char* kSubjects[] = {"the engine", "a database",  "our index", "the server",   "a client",
                                    "the cache",  "the planner", "a replica", "the compiler", "a scheduler"};
  static const char* kVerbs[] = {"stores",  "queries", "compresses", "replicates", "indexes",
                                 "streams", "merges",  "validates",  "embeds",     "caches"};
  static const char* kObjects[] = {"vectors", "documents", "metadata",  "embeddings", "segments",
                                   "pages",   "logs",      "snapshots", "records",    "queries"};
  static const char* kAdverbs[] = {"quickly",   "durably", "lazily",        "in parallel", "on disk",
                                   "in memory", "safely",  "incrementally", "in batches",  "exactly"};
  std::mt19937 rng(42);
  std::vector<std::string> docs;
  docs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    docs.push_back(std::string(kSubjects[rng() % 10]) + " " + kVerbs[rng() % 10] + " " + kObjects[rng() % 10] + " " +
                   kAdverbs[rng() % 10] + " item " + std::to_string(i));
  }
  return docs;
}

struct Timing {
  double add_seconds = 0;
  double query_seconds = 0;
  bool ok = false;
};

Timing RunWorkload(Client& client, const std::vector<std::string>& docs, size_t queries) {
  using Clock = std::chrono::steady_clock;
  Timing t;
  // Start from an empty "perf" collection; NotFound just means there was none.
  (void)client.DeleteCollection(kPerfCollection);
  ochre::CreateCollectionOptions create;
  create.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  create.name = kPerfCollection;
  auto c = client.CreateCollection(create);
  if (!CheckOk(c.status(), "create '" + std::string(kPerfCollection) + "'")) return t;
  constexpr size_t kBatch = 1000;
  auto start = Clock::now();
  for (size_t first = 0; first < docs.size(); first += kBatch) {
    ochre::RecordBatch batch;
    batch.documents.emplace();
    for (size_t i = first; i < std::min(docs.size(), first + kBatch); ++i) {
      batch.ids.push_back("doc-" + std::to_string(i));
      batch.documents->push_back(docs[i]);
    }
    if (!ExpectOk((*c)->Add(batch), "add batch at " + std::to_string(first))) return t;
  }
  t.add_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  size_t self_hits = 0;
  start = Clock::now();
  for (size_t q = 0; q < queries; ++q) {
    // Query with a stored document's own text: its record should come back first.
    const size_t target = (q * 7919) % docs.size();
    ochre::QueryOptions options;
    options.query_texts = std::vector<std::string>{docs[target]};
    options.n_results = 10;
    auto r = (*c)->Query(options);
    if (!ExpectOk(r.status(), "query " + std::to_string(q))) return t;
    self_hits += !r->ids[0].empty() && r->ids[0][0] == "doc-" + std::to_string(target);
  }
  t.query_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  auto n = (*c)->Count();
  t.ok = Check(n.ok() && *n == static_cast<int64_t>(docs.size()), "count is " + std::to_string(docs.size())) &
         Check(self_hits * 100 >= queries * 95, "a document's own text finds it first (" + std::to_string(self_hits) +
                                                    "/" + std::to_string(queries) + ")");
  return t;
}

void ComparePerformance(const std::string& path) {
  Heading("Part 5: performance, ephemeral vs persistent");
  constexpr size_t kDocs = 10000, kQueries = 1000;
  std::printf(
      "  Workload: %zu documents added in batches of 1,000 (ochre_hashing embedding function), then %zu text "
      "queries (n_results=10)\n",
      kDocs, kQueries);
  const std::vector<std::string> docs = MakeDocuments(kDocs);
  auto ephemeral = ochre::EphemeralClient::Open();
  auto persistent = ochre::PersistentClient::Open(path);
  if (!CheckOk(ephemeral.status(), "EphemeralClient::Open()") || !CheckOk(persistent.status(), "reopen " + path)) {
    return;
  }
  std::printf("  ephemeral:\n");
  const Timing e = RunWorkload(**ephemeral, docs, kQueries);
  (void)(*ephemeral)->DeleteCollection(kPerfCollection);  // frees the memory; nothing to keep
  std::printf("  persistent (collection '%s' is kept for the next run):\n", kPerfCollection);
  const Timing p = RunWorkload(**persistent, docs, kQueries);
  if (!e.ok || !p.ok) return;
  std::printf("\n  %-26s %14s %14s\n", "", "ephemeral", "persistent");
  std::printf("  %-26s %14.3f %14.3f\n", "add 10,000 docs (s)", e.add_seconds, p.add_seconds);
  std::printf("  %-26s %14.0f %14.0f\n", "adds/s", kDocs / e.add_seconds, kDocs / p.add_seconds);
  std::printf("  %-26s %14.3f %14.3f\n", "1,000 queries (s)", e.query_seconds, p.query_seconds);
  std::printf("  %-26s %14.0f %14.0f\n", "queries/s", kQueries / e.query_seconds, kQueries / p.query_seconds);
  std::printf("  %-26s %14.3f %14.3f\n", "ms per query", 1000 * e.query_seconds / kQueries,
              1000 * p.query_seconds / kQueries);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "./chroma_db";
  std::printf("OchreDB persistent client demo (OchreDB %s), database: %s\n", std::string(ochre::Version()).c_str(),
              path.c_str());
  ReportPreviousRun(path);

  std::vector<Answer> answers;
  {
    // Scoped so that the client and its collection handles are all closed before part 3.
    std::unique_ptr<Client> client = InitClient(path);
    if (client == nullptr) return 1;
    answers = CreateAndQuery(*client);
  }
  VerifyPersistence(path, answers);
  ResetAndRecreate(path);
  ComparePerformance(path);

  Heading("Summary");
  std::printf("  %s: %d failed check(s). Run again to see this run's data in part 0.\n",
              g_failures == 0 ? "PASS" : "FAIL", g_failures);
  return g_failures == 0 ? 0 : 1;
}
