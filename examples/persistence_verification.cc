// Copyright 2026 The OchreDB Authors.
//
// persistence_verification: write, close, reopen, verify. Writes 500 records (explicit embeddings,
// documents, metadata), changes some (update, upsert, delete), closes the client and checks every
// field of every record twice: from a new client in this process, and from a separate process that
// re-runs this program in its `--verify` mode, so nothing can come from memory.
// Usage: persistence_verification [db_dir] (default: a fresh directory in /tmp).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ochre/ochre.h"

namespace {

constexpr int kRecords = 500;
constexpr size_t kDim = 16;
constexpr const char* kCollection = "persisted";

std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-persistence_verification-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-persistence_verification";
}

// What the collection must hold after the writes below: a record per id, rebuilt from a fixed seed
// so that another process can compute it too.
struct Expected {
  std::vector<std::string> ids;
  std::vector<std::vector<float>> embeddings;
  std::vector<std::string> documents;
  std::vector<ochre::Metadata> metadatas;
};

std::vector<float> Vector(int i) {
  std::mt19937 rng(1000 + i);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(kDim);
  for (float& x : v) x = u(rng);
  return v;
}

// The state after: add 0..499; update metadata of the multiples of 10 (adds "reviewed"); upsert
// 500..519 (new); delete the multiples of 7 below 100.
Expected ExpectedState() {
  Expected e;
  for (int i = 0; i < kRecords + 20; ++i) {
    if (i < 100 && i % 7 == 0) continue;
    e.ids.push_back("rec-" + std::to_string(i));
    e.embeddings.push_back(Vector(i));
    e.documents.push_back("document number " + std::to_string(i));
    ochre::Metadata m{{"n", int64_t{i}}, {"half", i % 2 == 0 ? std::string("even") : std::string("odd")}};
    if (i % 10 == 0 && i < kRecords) m["reviewed"] = true;
    e.metadatas.push_back(std::move(m));
  }
  return e;
}

ochre::RecordBatch Records(int first, int last) {
  ochre::RecordBatch b;
  std::vector<float> data;
  b.documents.emplace();
  b.metadatas.emplace();
  for (int i = first; i < last; ++i) {
    b.ids.push_back("rec-" + std::to_string(i));
    auto v = Vector(i);
    data.insert(data.end(), v.begin(), v.end());
    b.documents->push_back("document number " + std::to_string(i));
    b.metadatas->push_back(
        ochre::Metadata{{"n", int64_t{i}}, {"half", i % 2 == 0 ? std::string("even") : std::string("odd")}});
  }
  b.embeddings = ochre::FloatMatrix(kDim, std::move(data));
  return b;
}

ochre::Status Write(ochre::Client& client) {
  ochre::CreateCollectionOptions o;
  o.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = kCollection;
  o.embedding_function = nullptr;
  OCHRE_ASSIGN_OR_RETURN(auto c, client.CreateCollection(o));
  OCHRE_RETURN_IF_ERROR(c->Add(Records(0, kRecords)));
  ochre::RecordBatch reviewed;
  reviewed.metadatas.emplace();
  for (int i = 0; i < kRecords; i += 10) {
    reviewed.ids.push_back("rec-" + std::to_string(i));
    reviewed.metadatas->push_back(ochre::Metadata{{"reviewed", true}});  // merged into the existing keys
  }
  OCHRE_RETURN_IF_ERROR(c->Update(reviewed));
  OCHRE_RETURN_IF_ERROR(c->Upsert(Records(kRecords, kRecords + 20)));
  ochre::DeleteOptions d;
  d.ids.emplace();
  for (int i = 0; i < 100; i += 7) d.ids->push_back("rec-" + std::to_string(i));
  return c->Delete(d).status();
}

// Compares every field of every record, and a query, with the expected state.
ochre::Status Verify(ochre::Client& client) {
  const Expected e = ExpectedState();
  OCHRE_ASSIGN_OR_RETURN(auto c, client.GetCollection(kCollection));
  OCHRE_ASSIGN_OR_RETURN(int64_t count, c->Count());
  if (count != static_cast<int64_t>(e.ids.size())) {
    return ochre::Status::Internal("count " + std::to_string(count) + ", expected " + std::to_string(e.ids.size()));
  }
  ochre::GetOptions all;
  all.include = ochre::Include::All();
  all.include.distances = false;
  OCHRE_ASSIGN_OR_RETURN(ochre::GetResult got, c->Get(all));
  if (got.ids != e.ids) return ochre::Status::Internal("ids differ (or their insertion order)");
  for (size_t i = 0; i < e.ids.size(); ++i) {
    if (got.embeddings->RowVector(i) != e.embeddings[i]) return ochre::Status::Internal("embedding of " + e.ids[i]);
    if ((*got.documents)[i] != e.documents[i]) return ochre::Status::Internal("document of " + e.ids[i]);
    if ((*got.metadatas)[i] != e.metadatas[i]) return ochre::Status::Internal("metadata of " + e.ids[i]);
  }
  // The index came back too: a record's own vector finds it first, at distance 0.
  ochre::QueryOptions q;
  q.query_embeddings = ochre::FloatMatrix(kDim, Vector(250));
  q.n_results = 3;
  OCHRE_ASSIGN_OR_RETURN(ochre::QueryResult r, c->Query(q));
  if (r.ids[0][0] != "rec-250" || (*r.distances)[0][0] != 0.0f) return ochre::Status::Internal("query for rec-250");
  return ochre::Status::Ok();
}

int VerifyIn(const std::string& path, const char* who) {
  auto client = ochre::PersistentClient::Open(path);
  ochre::Status s = client.ok() ? Verify(**client) : client.status();
  std::printf("  %-4s verify from %s: %s\n", s.ok() ? "ok" : "FAIL", who,
              s.ok() ? "every id, embedding, document and metadata as written" : s.ToString().c_str());
  return s.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--verify") return VerifyIn(argv[2], "a separate process");

  const std::string path = DatabaseDir(argc, argv);
  std::printf("database: %s\n", path.c_str());
  {
    auto client = ochre::PersistentClient::Open(path);
    ochre::Status s = client.ok() ? Write(**client) : client.status();
    std::printf("  %-4s write %d records, update %d, upsert 20, delete 15\n", s.ok() ? "ok" : "FAIL", kRecords,
                kRecords / 10);
    if (!s.ok()) {
      std::fprintf(stderr, "persistence_verification: FAILED: %s\n", s.ToString().c_str());
      return 1;
    }
    // Leaving the scope closes the client and its collection handle; the engine closes with them.
  }
  std::printf("  client closed\n");
  int failures = VerifyIn(path, "a new client in this process");

  // A child process proves the data is on disk, not in this process's memory. Only one process
  // may hold the database, and this one has none open now.
  std::fflush(stdout);
  if (pid_t child = fork(); child == 0) {
    execl("/proc/self/exe", "persistence_verification", "--verify", path.c_str(), static_cast<char*>(nullptr));
    _exit(2);
  } else {
    int wstatus = 0;
    waitpid(child, &wstatus, 0);
    failures += WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : 1;
  }

  if (failures != 0) {
    std::fprintf(stderr, "persistence_verification: FAILED\n");
    return 1;
  }
  std::printf("persistence_verification: OK\n");
  return 0;
}
