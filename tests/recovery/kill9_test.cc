// Copyright 2026 The OchreDB Authors.
//
// kill -9 (RELIABILITY.md T1, issue 2; issue 3's "kill -9 during insert and during checkpoint"): a
// forked child opens a persistent client and writes numbered batches (adds, upserts, deletes by ids
// and by filter, 1-200 records each, all deterministic from the seed and the batch number),
// reporting each batch number on a pipe after the call returned ok. The parent SIGKILLs it at a
// random moment, reopens the database and checks:
//   - every acknowledged batch is fully present: the whole collection (ids, order, documents,
//     metadata, embeddings bitwise) equals the model after the last acknowledged batch, or after
//     the one in flight (all-or-nothing: never anything in between);
//   - the index agrees with the catalog: count == get().ids.size(), and querying stored vectors
//     returns their own ids at distance ~0;
//   - SQLite's integrity_check says ok.
// The collection has sync_threshold 2, so graph checkpoints are frequent and some kills land in one.
// A third variant compacts the collection after every few batches (and the engine compacts by
// itself past 30% dead rows), so that kills land in compactions: after the restart, besides the
// checks above, only one generation's files may remain.
//
// OCHRE_SEED=<n> replays a seed; OCHRE_KILL9_KILLS=<n> changes the number of kills.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "ochre/ochre.h"
#include "testutil/reference_model.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

constexpr const char* kCollection = "kill9";

// The shape of a run: vector dimension, id pool, and how many leading batches prefill the
// collection (1,000 fresh records each, written by a child that is not killed).
struct Workload {
  uint64_t seed;
  size_t dim;
  int id_pool;
  int64_t prefill_batches;
  // When > 0, the writer calls Compact() after every compact_every-th batch.
  int compact_every = 0;
};

// One numbered batch of the workload.
struct Batch {
  enum class Kind { kAdd, kUpsert, kDeleteIds, kDeleteWhere } kind;
  RecordBatch records;           // kAdd, kUpsert
  std::vector<std::string> ids;  // kDeleteIds
  std::string where_json;        // kDeleteWhere
  std::optional<int64_t> limit;  // kDeleteWhere
};

Batch MakeBatch(const Workload& w, int64_t number) {
  std::mt19937_64 rng(w.seed * 1000003u + uint64_t(number));
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Batch b;
  const int dice = number < w.prefill_batches ? 0 : uniform(0, 99);
  b.kind = dice < 45   ? Batch::Kind::kAdd
           : dice < 80 ? Batch::Kind::kUpsert
           : dice < 92 ? Batch::Kind::kDeleteIds
                       : Batch::Kind::kDeleteWhere;
  std::set<std::string> ids;
  if (number < w.prefill_batches) {
    for (int64_t i = 0; i < 1000; ++i) ids.insert("p" + std::to_string(number * 1000 + i));
  } else {
    const int n = uniform(1, 200);
    while (int(ids.size()) < n) ids.insert("r" + std::to_string(uniform(0, w.id_pool - 1)));
  }
  if (b.kind == Batch::Kind::kDeleteIds) {
    b.ids.assign(ids.begin(), ids.end());
    return b;
  }
  if (b.kind == Batch::Kind::kDeleteWhere) {
    b.where_json = "{\"g\": {\"$eq\": " + std::to_string(uniform(0, 9)) + "}}";
    if (w.prefill_batches > 0 || uniform(0, 1)) b.limit = uniform(1, 100);
    return b;
  }
  // Large dimensions get clustered data; small ones plain Gaussian noise.
  std::vector<std::vector<float>> centers;
  if (w.dim >= 64) {
    std::mt19937_64 crng(w.seed);
    centers.assign(32, std::vector<float>(w.dim));
    for (auto& c : centers) {
      for (auto& x : c) x = std::normal_distribution<float>()(crng);
    }
  }
  RecordBatch& r = b.records;
  r.ids.assign(ids.begin(), ids.end());
  std::shuffle(r.ids.begin(), r.ids.end(), rng);
  std::vector<float> data;
  r.documents.emplace();
  r.metadatas.emplace();
  for (size_t i = 0; i < r.ids.size(); ++i) {
    if (centers.empty()) {
      for (size_t d = 0; d < w.dim; ++d) data.push_back(std::normal_distribution<float>()(rng));
    } else {
      // Clustered, with a decaying spectrum (a low intrinsic dimension, as real embeddings have).
      const auto& center = centers[rng() % centers.size()];
      for (size_t d = 0; d < w.dim; ++d) {
        data.push_back(center[d] + std::normal_distribution<float>(0, 0.8f * std::pow(float(d + 1), -0.75f))(rng));
      }
    }
    r.documents->push_back("batch " + std::to_string(number) + " record " + r.ids[i]);
    r.metadatas->push_back(Metadata{{"batch", int64_t(number)}, {"g", int64_t(uniform(0, 9))}});
  }
  r.embeddings = FloatMatrix(w.dim, std::move(data));
  return b;
}

void ApplyToModel(const Batch& b, testutil::ReferenceModel* model) {
  switch (b.kind) {
    case Batch::Kind::kAdd:
      model->Add(b.records);
      break;
    case Batch::Kind::kUpsert:
      model->Upsert(b.records);
      break;
    case Batch::Kind::kDeleteIds:
      model->DeleteIds(b.ids);
      break;
    case Batch::Kind::kDeleteWhere:
      model->DeleteWhere(std::nullopt, *ParseWhere(b.where_json), std::nullopt, b.limit);
      break;
  }
}

Status ApplyToCollection(const Batch& b, Collection& c) {
  switch (b.kind) {
    case Batch::Kind::kAdd:
      return c.Add(b.records);
    case Batch::Kind::kUpsert:
      return c.Upsert(b.records);
    case Batch::Kind::kDeleteIds: {
      DeleteOptions o;
      o.ids = b.ids;
      auto r = c.Delete(o);
      return r.ok() ? Status::Ok() : r.status();
    }
    case Batch::Kind::kDeleteWhere: {
      DeleteOptions o;
      o.where = *ParseWhere(b.where_json);
      o.limit = b.limit;
      auto r = c.Delete(o);
      return r.ok() ? Status::Ok() : r.status();
    }
  }
  return Status::Internal("unknown batch kind");
}

// The child: writes batches from `first` on, acknowledging each on `ack_fd`, until it is killed;
// or, with `until` set, writes batches up to it, checkpoints and exits.
[[noreturn]] void RunWriter(const std::string& path, const Workload& w, int64_t first, int ack_fd,
                            std::optional<int64_t> until = std::nullopt) {
  ::alarm(120);  // a hang guard: the parent kills us long before
  auto client = PersistentClient::Open(path);
  if (!client.ok()) {
    std::fprintf(stderr, "child: open failed: %s\n", client.status().ToString().c_str());
    ::_exit(10);
  }
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = kCollection;
  o.embedding_function = nullptr;
  o.configuration.emplace();
  o.configuration->hnsw.emplace();
  o.configuration->hnsw->sync_threshold = 2;
  auto c = (*client)->GetOrCreateCollection(o);
  if (!c.ok()) {
    std::fprintf(stderr, "child: collection failed: %s\n", c.status().ToString().c_str());
    ::_exit(11);
  }
  for (int64_t k = first; !until || k < *until; ++k) {
    Batch b = MakeBatch(w, k);
    Status s = ApplyToCollection(b, **c);
    if (!s.ok()) {
      std::fprintf(stderr, "child: batch %lld failed: %s\n", static_cast<long long>(k), s.ToString().c_str());
      ::_exit(12);
    }
    if (::write(ack_fd, &k, sizeof k) != sizeof k) ::_exit(13);
    if (w.compact_every > 0 && k >= w.prefill_batches && k % w.compact_every == 0) {
      auto stats = (*c)->Compact();
      if (!stats.ok()) {
        std::fprintf(stderr, "child: compaction after batch %lld failed: %s\n", static_cast<long long>(k),
                     stats.status().ToString().c_str());
        ::_exit(15);
      }
    }
  }
  ::_exit((*client)->Checkpoint().ok() ? 0 : 14);
}

// What the database holds, compared with a model: "" when equal, else the first difference.
std::string Diff(Collection& c, const testutil::ReferenceModel& model, size_t dim) {
  GetOptions o;
  o.include = Include{true, true, true, false, false};
  auto r = c.Get(o);
  if (!r.ok()) return "get failed: " + r.status().ToString();
  const auto expected = model.OrderedIds();
  if (r->ids != expected) {
    return "ids differ: " + std::to_string(r->ids.size()) + " records vs " + std::to_string(expected.size()) +
           " in the model";
  }
  for (size_t i = 0; i < r->ids.size(); ++i) {
    const auto* m = model.Find(r->ids[i]);
    if ((*r->documents)[i] != m->document) return r->ids[i] + ": document differs";
    if ((*r->metadatas)[i] != m->metadata) return r->ids[i] + ": metadata differs";
    if (!testutil::BitwiseEqual(r->embeddings->row(i), m->embedding.data(), dim)) {
      return r->ids[i] + ": embedding differs";
    }
  }
  return "";
}

// SQLite's own verdict on the catalog (RELIABILITY.md T1: integrity_check ok after every kill).
std::string IntegrityCheck(const std::string& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  std::string verdict;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      verdict += (verdict.empty() ? "" : "; ") + std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return verdict;
}

// The compaction generations whose vector files are in a collection directory.
std::set<int64_t> VectorGenerations(const std::string& dir) {
  std::set<int64_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name == "vectors.f32") {
      out.insert(0);
    } else if (name.rfind("vectors.", 0) == 0 && name.size() > 12 && name.compare(name.size() - 4, 4, ".f32") == 0) {
      out.insert(std::atoll(name.substr(8, name.size() - 12).c_str()));
    }
  }
  return out;
}

// Runs `kills` rounds of: fork a writer, SIGKILL it after a random delay, reopen, check.
void RunKillRounds(const Workload& w, int kills, int max_delay_ms) {
  if (const char* env = std::getenv("OCHRE_KILL9_KILLS"); env && *env) kills = std::atoi(env);
  testutil::TempDir dir;
  const std::string path = dir.Sub("db");
  std::mt19937_64 rng(w.seed);

  testutil::ReferenceModel acked;  // the model after the last acknowledged batch
  int64_t next = 0;                // the first batch not known to be committed
  int64_t total_acks = 0, in_flight_committed = 0, in_flight_lost = 0, killed_before_first_ack = 0;
  int rounds_with_graph = 0, killed_mid_compaction = 0, max_generation = 0;
  std::string uuid;
  if (w.prefill_batches > 0) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      RunWriter(path, w, 0, fds[1], w.prefill_batches);
    }
    ::close(fds[1]);
    int64_t k;
    while (::read(fds[0], &k, sizeof k) == sizeof k) {
      ASSERT_EQ(k, next);
      ApplyToModel(MakeBatch(w, k), &acked);
      ++next;
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "prefill child status " << status;
    ASSERT_EQ(next, w.prefill_batches);
  }
  for (int round = 0; round < kills; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", next batch " + std::to_string(next));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    // Fork with no client open in this process: the child shares no engine with us.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      RunWriter(path, w, next, fds[1]);
    }
    ::close(fds[1]);
    const int delay_ms = std::uniform_int_distribution<int>(5, max_delay_ms)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    // Acks are read after the child is dead: the pipe keeps what was written.
    std::vector<int64_t> acks;
    int64_t k;
    ssize_t n;
    while ((n = ::read(fds[0], &k, sizeof k)) == sizeof k) acks.push_back(k);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer exited by itself (status " << status << "); see its stderr above";
    if (acks.empty()) ++killed_before_first_ack;
    for (int64_t a : acks) {
      ASSERT_EQ(a, next) << "acks out of order";
      ApplyToModel(MakeBatch(w, a), &acked);
      ++next;
    }
    total_acks += int64_t(acks.size());
    // Two generations of vector files on disk: the kill landed in a compaction.
    if (!uuid.empty() && VectorGenerations(path + "/collections/" + uuid).size() > 1) ++killed_mid_compaction;

    // Reopen and check.
    auto client = PersistentClient::Open(path);
    if (!client.ok()) {
      // Keep the evidence: the temporary directory goes with the test.
      const std::string kept = "/tmp/ochre-kill9-failed-" + std::to_string(::getpid());
      std::error_code ec;
      std::filesystem::copy(path, kept, std::filesystem::copy_options::recursive, ec);
      ADD_FAILURE() << "the database after the kill is kept in " << kept << (ec ? " (copy failed)" : "");
    }
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto c = (*client)->GetCollection(kCollection);
    if (!c.ok()) {
      ASSERT_EQ(c.status().code(), StatusCode::kNotFound) << c.status().ToString();
      ASSERT_EQ(acked.size(), 0u) << "the collection is gone but batches were acknowledged";
      continue;
    }
    uuid = (*c)->id();
    const auto generations = VectorGenerations(path + "/collections/" + uuid);
    // The open removed the files of an interrupted compaction: one generation is left.
    ASSERT_LE(generations.size(), 1u) << "files of " << generations.size() << " generations after the reopen";
    if (!generations.empty()) max_generation = std::max(max_generation, int(*generations.begin()));
    if (std::filesystem::exists(path + "/collections/" + uuid + "/hnsw.graph")) ++rounds_with_graph;
    std::string diff = Diff(**c, acked, w.dim);
    if (!diff.empty()) {
      // The batch in flight may have committed before the kill: then all of it is there.
      testutil::ReferenceModel with_in_flight = acked;
      ApplyToModel(MakeBatch(w, next), &with_in_flight);
      const std::string diff2 = Diff(**c, with_in_flight, w.dim);
      ASSERT_EQ(diff2, "") << "neither the acknowledged state (" << diff << ") nor the state with batch " << next
                           << " in full";
      acked = std::move(with_in_flight);
      ++next;
      ++in_flight_committed;
    } else if (!acks.empty() || round > 0) {
      ++in_flight_lost;
    }
    // The index agrees with the catalog.
    auto count = (*c)->Count();
    ASSERT_TRUE(count.ok());
    ASSERT_EQ(*count, int64_t(acked.size()));
    if (acked.size() > 0) {
      const auto ids = acked.OrderedIds();
      for (int q = 0; q < 5; ++q) {
        const std::string& id = ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng)];
        QueryOptions qo;
        qo.query_embeddings = FloatMatrix(w.dim, acked.Find(id)->embedding);
        qo.n_results = 10;
        auto r = (*c)->Query(qo);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->ids[0].size(), std::min<size_t>(10, acked.size()));
        // RELIABILITY.md: a stored vector finds its own id at distance ~0 within the top 10.
        const auto at = std::find(r->ids[0].begin(), r->ids[0].end(), id);
        EXPECT_NE(at, r->ids[0].end()) << id << " not found by its own vector; first " << r->ids[0][0] << " at "
                                       << (*r->distances)[0][0];
        if (at != r->ids[0].end()) {
          EXPECT_NEAR((*r->distances)[0][size_t(at - r->ids[0].begin())], 0.0, 1e-4);
        }
        for (const auto& got : r->ids[0]) EXPECT_TRUE(acked.Has(got)) << got << " is not a live record";
      }
    }
    if (::testing::Test::HasFailure()) break;
    // The client closes here, before the next child starts (one writer process per path).
    c->reset();
    client->reset();
    ASSERT_EQ(IntegrityCheck(path + "/ochre.sqlite3"), "ok");
  }
  std::fprintf(stderr,
               "[ kill9    ] dim %zu: %d kills, %lld acknowledged batches, in-flight batch committed %lld times and "
               "absent %lld times, %lld kills before the first ack of a round, %zu live records, a graph checkpoint "
               "(generation 0) on disk in %d rounds, %d kills during a compaction, generation %d reached\n",
               w.dim, kills, static_cast<long long>(total_acks), static_cast<long long>(in_flight_committed),
               static_cast<long long>(in_flight_lost), static_cast<long long>(killed_before_first_ack), acked.size(),
               rounds_with_graph, killed_mid_compaction, max_generation);
  EXPECT_GT(total_acks, w.prefill_batches);
}

TEST(Kill9Test, AcknowledgedBatchesSurviveSigkillAndNoBatchIsPartlyVisible) {
  const Workload w{testutil::TestSeed("Kill9Test", 424242), /*dim=*/8, /*id_pool=*/1500, /*prefill_batches=*/0};
  RunKillRounds(w, /*kills=*/60, /*max_delay_ms=*/120);
}

// The same on a collection past the exact-scan threshold (9,000 x 256 floats > 2M), so that queries
// use the graph, the child loads a graph checkpoint at every start and checkpoints (sync_threshold
// 2) while it writes: kills land during inserts and during checkpoints (issue 3, "Recovery").
TEST(Kill9Test, GraphCollectionSurvivesSigkillDuringInsertsAndCheckpoints) {
  const Workload w{testutil::TestSeed("Kill9Test.Graph", 171717), /*dim=*/256, /*id_pool=*/1500,
                   /*prefill_batches=*/9};
  RunKillRounds(w, /*kills=*/15, /*max_delay_ms=*/300);
}

// Kills during compactions (issue 3: "compaction ... atomically published"): the writer compacts
// after every third batch, on a collection of a few thousand rows (dim 64), so that a compaction
// takes long enough for kills to land in its copy, its graph build or its publish.
TEST(Kill9Test, AcknowledgedBatchesSurviveSigkillDuringCompaction) {
  const Workload w{testutil::TestSeed("Kill9Test.Compaction", 313131), /*dim=*/64, /*id_pool=*/1500,
                   /*prefill_batches=*/4, /*compact_every=*/3};
  RunKillRounds(w, /*kills=*/25, /*max_delay_ms=*/400);
}

}  // namespace
}  // namespace ochre
