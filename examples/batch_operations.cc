// Copyright 2026 The OchreDB Authors.
//
// batch_operations: loading and reading many records. Adds 5,000 documents in batches of 1,000
// (each batch is one atomic, durable write), shows the largest batch the client accepts and that a
// larger one is refused whole, upserts 1,500 records (1,000 existing, 500 new), and reads the
// collection back page by page with limit and offset.
// Usage: batch_operations [db_dir] (default: a fresh directory in /tmp).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ochre/ochre.h"

namespace {

constexpr int kInitial = 5000;
constexpr int kBatch = 1000;
int g_failures = 0;

std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-batch_operations-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-batch_operations";
}

bool Check(bool ok, const std::string& what) {
  std::printf("  %-4s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
  return ok;
}

std::string Id(int i) { return "doc-" + std::to_string(i); }

// Records [first, last): documents are embedded by the collection's (default) function.
ochre::RecordBatch Documents(int first, int last, bool revised) {
  ochre::RecordBatch b;
  b.documents.emplace();
  b.metadatas.emplace();
  for (int i = first; i < last; ++i) {
    b.ids.push_back(Id(i));
    b.documents->push_back(std::string(revised ? "revised " : "") + "record " + std::to_string(i) + " about topic " +
                           std::to_string(i % 17));
    b.metadatas->push_back(ochre::Metadata{{"i", int64_t{i}}, {"revised", revised}});
  }
  return b;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = DatabaseDir(argc, argv);
  auto opened = ochre::PersistentClient::Open(path);
  if (!opened.ok()) {
    std::fprintf(stderr, "batch_operations: FAILED: open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  ochre::Client& client = **opened;
  ochre::CreateCollectionOptions options;
  options.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  options.name = "batches";
  auto created = client.CreateCollection(options);
  if (!created.ok()) {
    std::fprintf(stderr, "batch_operations: FAILED: create: %s\n", created.status().ToString().c_str());
    return 1;
  }
  ochre::Collection& c = **created;
  std::printf("database: %s\n", path.c_str());

  std::printf("add %d documents in batches of %d\n", kInitial, kBatch);
  auto start = std::chrono::steady_clock::now();
  for (int first = 0; first < kInitial; first += kBatch) {
    if (auto s = c.Add(Documents(first, first + kBatch, false)); !s.ok()) {
      Check(false, "add batch at " + std::to_string(first) + ": " + s.ToString());
      return 1;
    }
  }
  const double seconds = SecondsSince(start);
  auto count = c.Count();
  Check(count.ok() && *count == kInitial, "count " + std::to_string(count.ok() ? *count : -1) + " (" +
                                              std::to_string(static_cast<int>(kInitial / seconds)) +
                                              " records/s, embedding included)");

  std::printf("batch size limit\n");
  const int64_t max_batch = client.MaxBatchSize();
  ochre::CreateCollectionOptions raw;
  raw.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  raw.name = "raw_vectors";
  raw.embedding_function = nullptr;
  auto vectors = client.CreateCollection(raw);
  if (vectors.ok()) {
    ochre::RecordBatch too_big;
    for (int64_t i = 0; i <= max_batch; ++i) too_big.ids.push_back("v" + std::to_string(i));
    too_big.embeddings = ochre::FloatMatrix(2, std::vector<float>(2 * too_big.ids.size(), 0.5f));
    ochre::Status s = (*vectors)->Add(too_big);
    std::printf("  a batch of %zu records (max_batch_size is %lld) -> %s\n", too_big.ids.size(),
                static_cast<long long>(max_batch), s.ToString().c_str());
    auto none = (*vectors)->Count();
    Check(!s.ok() && none.ok() && *none == 0, "the oversized batch is refused and nothing of it is written");
  } else {
    Check(false, "create 'raw_vectors': " + vectors.status().ToString());
  }

  std::printf("upsert %d..%d: 1000 existing ids are updated, 500 new ones inserted\n", kInitial - 1000, kInitial + 500);
  if (auto s = c.Upsert(Documents(kInitial - 1000, kInitial + 500, true)); !s.ok()) {
    Check(false, "upsert: " + s.ToString());
    return 1;
  }
  count = c.Count();
  Check(count.ok() && *count == kInitial + 500, "count " + std::to_string(count.ok() ? *count : -1));
  ochre::GetOptions revised;
  revised.where = *ochre::ParseWhere(R"({"revised": true})");
  revised.include = ochre::Include{};
  auto r = c.Get(revised);
  Check(r.ok() && r->ids.size() == 1500, "1500 records carry revised=true");
  ochre::GetOptions one;
  one.ids = std::vector<std::string>{Id(kInitial - 1)};
  auto updated = c.Get(one);
  Check(updated.ok() && updated->ids.size() == 1 && (*updated->documents)[0]->rfind("revised ", 0) == 0,
        Id(kInitial - 1) + " now reads: " + (updated.ok() && !updated->ids.empty() ? *(*updated->documents)[0] : "?"));

  std::printf("read back in pages of 512 with limit and offset\n");
  std::vector<std::string> paged;
  int pages = 0;
  for (int64_t offset = 0;; offset += 512) {
    ochre::GetOptions page;
    page.limit = 512;
    page.offset = offset;
    page.include = ochre::Include{};  // ids only: the cheapest read
    auto p = c.Get(page);
    if (!p.ok()) {
      Check(false, "page at " + std::to_string(offset) + ": " + p.status().ToString());
      break;
    }
    if (p->ids.empty()) break;
    ++pages;
    paged.insert(paged.end(), p->ids.begin(), p->ids.end());
  }
  // Get returns insertion order: upserted ids that existed keep their place, new ones come last.
  std::vector<std::string> expected;
  for (int i = 0; i < kInitial + 500; ++i) expected.push_back(Id(i));
  Check(paged == expected, std::to_string(pages) + " pages, " + std::to_string(paged.size()) +
                               " ids, in insertion order, none missing or repeated");

  auto peek = c.Peek(3);
  Check(peek.ok() && peek->ids.size() == 3 && peek->embeddings && peek->embeddings->dim() == 384,
        "peek(3) returns the first 3 records with their 384-d embeddings");

  if (g_failures != 0) {
    std::fprintf(stderr, "batch_operations: FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("batch_operations: OK\n");
  return 0;
}
