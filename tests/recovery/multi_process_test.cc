// Copyright 2026 The OchreDB Authors.
//
// Several processes on one database (DESIGN.md "Concurrency", issue 10): worker processes
// (mp_worker.cc, started with fork + exec) run seeded random add / upsert / update / delete / get /
// query / compact on one collection, each read checked against the writes of every worker
// acknowledged before it began (protocol in mp_shared.h). Then the database is checked against
// the final acknowledged state. The kill -9 variant kills a worker in the middle of its batches while
// the others go on: no acknowledged write lost, no partial batch visible, the survivors never fail.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ochre/ochre.h"
#include "recovery/mp_shared.h"
#include "testutil/reference_model.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

using namespace mptest;

class MultiProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    shared_path_ = dir_.Sub("shared.bin");
    auto client = PersistentClient::Open(path_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "mpt";
    o.embedding_function = nullptr;
    auto created = (*client)->CreateCollection(o);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    const int fd = ::open(shared_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, sizeof(Shared)), 0);
    void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    ASSERT_NE(mem, MAP_FAILED);
    shared_ = static_cast<Shared*>(mem);
  }
  void TearDown() override {
    if (shared_) ::munmap(shared_, sizeof(Shared));
  }

  pid_t Spawn(int worker, int workers, uint64_t seed, int ops, bool victim, bool victim_mode) {
    const std::string binary = std::string(OCHRE_TEST_BINARY_DIR) + "/ochre_mp_worker";
    std::vector<std::string> args = {binary,
                                     path_,
                                     shared_path_,
                                     std::to_string(worker),
                                     std::to_string(workers),
                                     std::to_string(seed),
                                     std::to_string(ops),
                                     victim ? "1" : "0"};
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (victim_mode) ::setenv("OCHRE_MP_VICTIM", "1", 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::alarm(300);  // a hang guard, not a timing assertion
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    return pid;
  }

  static int Wait(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // The database as it is now, by id: version (0 when absent), checked against the embedding.
  std::map<std::string, uint64_t> Final() {
    std::map<std::string, uint64_t> out;
    auto client = PersistentClient::Open(path_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return out;
    GetCollectionOptions go;
    go.embedding_function = nullptr;
    auto c = (*client)->GetCollection("mpt", go);
    EXPECT_TRUE(c.ok());
    GetOptions all;
    all.include.embeddings = true;
    all.include.metadatas = true;
    auto got = (*c)->Get(all);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok()) return out;
    for (size_t r = 0; r < got->ids.size(); ++r) {
      const uint64_t v = uint64_t(std::get<int64_t>((*got->metadatas)[r]->at("v")));
      const auto want = EmbeddingOf(got->ids[r], v);
      EXPECT_EQ(std::vector<float>(got->embeddings->row(r), got->embeddings->row(r) + kDim), want) << got->ids[r];
      out[got->ids[r]] = v;
    }
    EXPECT_EQ(*(*c)->Count(), int64_t(out.size()));
    return out;
  }

  testutil::TempDir dir_;
  std::string path_, shared_path_;
  Shared* shared_ = nullptr;
};

TEST_F(MultiProcessTest, RandomOperationsOfFourProcessesMatchTheModel) {
  const uint64_t seed = testutil::TestSeed("MultiProcessTest.Model", 1010);
  constexpr int kWorkers = 4;
  constexpr int kOps = 600;  // 2,400 operations in all
  std::vector<pid_t> pids;
  for (int w = 0; w < kWorkers; ++w) pids.push_back(Spawn(w, kWorkers, seed, kOps, false, false));
  for (int w = 0; w < kWorkers; ++w) EXPECT_EQ(Wait(pids[w]), 0) << "worker " << w << " failed (see its stderr)";
  auto final_state = Final();
  for (int w = 0; w < kWorkers; ++w) {
    for (int i = 0; i < kIdsPerWorker; ++i) {
      const uint64_t ack = shared_->slots[w][i].ack.load();
      ASSERT_EQ(ack, shared_->slots[w][i].pend.load());
      const std::string id = IdOf(w, i);
      if (VersionOf(ack) == 0 || DeletedIn(ack)) {
        EXPECT_EQ(final_state.count(id), 0u) << id << " should be absent";
      } else {
        EXPECT_EQ(final_state.count(id) ? final_state[id] : 0, VersionOf(ack)) << id;
      }
    }
  }
}

TEST_F(MultiProcessTest, KillNineOfAWriterMidBatchLosesNothingAndShowsNoPartialBatch) {
  const uint64_t seed = testutil::TestSeed("MultiProcessTest.Kill9", 1616);
  constexpr int kWorkers = 4;  // the last is the victim
  std::mt19937_64 rng(seed);
  std::vector<pid_t> pids;
  for (int w = 0; w + 1 < kWorkers; ++w) pids.push_back(Spawn(w, kWorkers, seed, 300, false, true));
  // The victim upserts all of its ids in one batch, over and over, until it is killed mid-way.
  const pid_t victim = Spawn(kWorkers - 1, kWorkers, seed, 0, true, true);
  // Killed once it has had a few batches acknowledged, at a random moment of the next ones (the
  // waits are the test's pacing, not timing assertions).
  for (int waited = 0; VersionOf(shared_->slots[kWorkers - 1][0].ack.load()) < 3 && waited < 60000; waited += 5) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200000));
  ::kill(victim, SIGKILL);
  EXPECT_EQ(Wait(victim), 128 + SIGKILL);
  for (int w = 0; w + 1 < kWorkers; ++w) EXPECT_EQ(Wait(pids[w]), 0) << "survivor " << w << " failed";
  auto final_state = Final();
  for (int w = 0; w + 1 < kWorkers; ++w) {
    for (int i = 0; i < kIdsPerWorker; ++i) {
      const uint64_t ack = shared_->slots[w][i].ack.load();
      const std::string id = IdOf(w, i);
      if (VersionOf(ack) == 0 || DeletedIn(ack)) {
        EXPECT_EQ(final_state.count(id), 0u) << id;
      } else {
        EXPECT_EQ(final_state.count(id) ? final_state[id] : 0, VersionOf(ack)) << id;
      }
    }
  }
  // The victim's batches: whole, and none acknowledged lost.
  std::vector<uint64_t> versions;
  for (int i = 0; i < kIdsPerWorker; ++i) {
    const std::string id = IdOf(kWorkers - 1, i);
    versions.push_back(final_state.count(id) ? final_state[id] : 0);
  }
  for (uint64_t v : versions) EXPECT_EQ(v, versions[0]) << "a partial batch of the killed writer is visible";
  const uint64_t pend = VersionOf(shared_->slots[kWorkers - 1][0].pend.load());
  EXPECT_GE(versions[0] + 1, pend) << "an acknowledged batch of the killed writer was lost";
  EXPECT_LE(versions[0], pend);
  std::fprintf(stderr, "the killed writer's last whole batch: version %llu (pending %llu)\n",
               static_cast<unsigned long long>(versions[0]), static_cast<unsigned long long>(pend));
}

// Several processes creating one new database at the same moment: every one opens it whole (the
// catalog's creation and migrations run under the commit lock and check the version again), and
// the collections each created are all there.
TEST(MultiProcessCreateTest, ProcessesCreatingOneDatabaseAtOnceAllSeeItWhole) {
  testutil::TempDir dir;
  for (int round = 0; round < 5; ++round) {
    const std::string path = dir.Sub("db" + std::to_string(round));
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> pids;
    for (int w = 0; w < 4; ++w) {
      const pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        ::alarm(60);  // a hang guard, not a timing assertion
        ::close(go[1]);
        char b;
        if (::read(go[0], &b, 1) != 0) ::_exit(2);  // released together when the parent closes
        auto client = PersistentClient::Open(path);
        if (!client.ok()) {
          std::fprintf(stderr, "open: %s\n", client.status().ToString().c_str());
          ::_exit(3);
        }
        CreateCollectionOptions o;
        o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
        o.name = "made-by-" + std::to_string(w);
        o.embedding_function = nullptr;
        auto c = (*client)->CreateCollection(o);
        if (!c.ok()) {
          std::fprintf(stderr, "create: %s\n", c.status().ToString().c_str());
          ::_exit(4);
        }
        RecordBatch b1;
        b1.ids = {"x"};
        b1.embeddings = FloatMatrix(2, {float(w), 1});
        ::_exit((*c)->Add(b1).ok() ? 0 : 5);
      }
      pids.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);
    for (pid_t pid : pids) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round << ": status " << status;
    }
    auto client = PersistentClient::Open(path);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    EXPECT_EQ(*(*client)->CountCollections(), 4) << "round " << round;
  }
}

}  // namespace
}  // namespace ochre
