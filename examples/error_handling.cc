// Copyright 2026 The OchreDB Authors.
//
// error_handling: OchreDB never throws; every failure is a Status with a code and a message saying
// what was wrong. This example provokes the common mistakes one by one, prints each Status and
// checks its code: a bad path, a database another process has open, a duplicate or missing
// collection, an invalid name, a dimension mismatch, duplicate ids, bad filters and a forbidden
// reset. It also shows that a refused batch leaves no trace.
// Usage: error_handling [db_dir] (default: a fresh directory in /tmp).
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ochre/ochre.h"

namespace {

using ochre::StatusCode;

int g_failures = 0;

std::string DatabaseDir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  char tmpl[] = "/tmp/ochre-error_handling-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-error_handling";
}

// Prints what a call returned and checks that it failed with the expected code.
void Expect(const ochre::Status& s, StatusCode expected, const std::string& what) {
  const bool ok = s.code() == expected;
  std::printf("%-4s %s\n     -> %s\n", ok ? "ok" : "FAIL", what.c_str(), s.ToString().c_str());
  if (!ok) {
    std::printf("     expected code %s\n", std::string(ochre::StatusCodeName(expected)).c_str());
    ++g_failures;
  }
}

// The same, also checking the finer kind of an InvalidArgument (what Python maps to its own errors).
void ExpectKind(const ochre::Status& s, ochre::InvalidKind kind, const std::string& what) {
  Expect(s, StatusCode::kInvalidArgument, what);
  if (s.invalid_kind() != kind) {
    std::printf("     FAIL: not the expected kind of InvalidArgument\n");
    ++g_failures;
  }
}

ochre::RecordBatch Vectors(std::vector<std::string> ids, const std::vector<std::vector<float>>& rows) {
  ochre::RecordBatch batch;
  batch.ids = std::move(ids);
  batch.embeddings = *ochre::FloatMatrix::FromRows(rows);
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  // Child mode: a second process opening the database the parent has open (several processes may
  // work on one directory; writes wait for each other's commits, up to Settings::lock_timeout_ms).
  if (argc == 3 && std::string(argv[1]) == "--try-open") {
    auto held = ochre::PersistentClient::Open(argv[2]);
    std::printf("     (child pid %d) Open -> %s\n", getpid(), held.status().ToString().c_str());
    if (!held.ok()) return 1;
    auto listed = (*held)->ListCollections();
    return listed.ok() ? 0 : 1;
  }

  const std::string path = DatabaseDir(argc, argv);
  std::printf("database: %s\n\n", path.c_str());

  // 1. Paths that cannot hold a database.
  const std::string file_path = path + "/not-a-directory";
  std::filesystem::create_directories(path);
  std::ofstream(file_path) << "just a file\n";
  Expect(ochre::PersistentClient::Open(file_path).status(), StatusCode::kInvalidArgument,
         "open a path that is a regular file");
  auto under_proc = ochre::PersistentClient::Open("/proc/ochre-example/db").status();
  std::printf("%-4s %s\n     -> %s\n", under_proc.ok() ? "FAIL" : "ok", "open a directory that cannot be created",
              under_proc.ToString().c_str());
  if (under_proc.ok()) ++g_failures;

  auto opened = ochre::PersistentClient::Open(path + "/db");
  if (!opened.ok()) {
    std::fprintf(stderr, "error_handling: FAILED: open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  ochre::Client& client = **opened;

  // 2. Another process opens the same directory while this one has it open.
  std::printf("     open the database from a second process while this one holds it\n");
  std::fflush(stdout);  // the child must not inherit unwritten output
  if (pid_t child = fork(); child == 0) {
    execl("/proc/self/exe", "error_handling", "--try-open", (path + "/db").c_str(), static_cast<char*>(nullptr));
    _exit(2);
  } else {
    int wstatus = 0;
    waitpid(child, &wstatus, 0);
    const bool shared = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
    std::printf("%-4s the second process opened and read it too\n", shared ? "ok" : "FAIL");
    if (!shared) ++g_failures;
  }

  // 3. Collections: duplicate, missing, invalid name.
  ochre::CreateCollectionOptions options;
  options.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  options.name = "errors";
  options.embedding_function = nullptr;  // explicit embeddings only, so dimensions are ours to choose
  auto created = client.CreateCollection(options);
  if (!created.ok()) {
    std::fprintf(stderr, "error_handling: FAILED: create: %s\n", created.status().ToString().c_str());
    return 1;
  }
  ochre::Collection& c = **created;
  Expect(client.CreateCollection(options).status(), StatusCode::kAlreadyExists, "create a collection twice");
  Expect(client.GetCollection("no_such_collection").status(), StatusCode::kNotFound, "get a missing collection");
  Expect(client.DeleteCollection("no_such_collection"), StatusCode::kNotFound, "delete a missing collection");
  ochre::CreateCollectionOptions bad_name;
  bad_name.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  bad_name.name = "x";
  Expect(client.CreateCollection(bad_name).status(), StatusCode::kInvalidArgument,
         "create a collection named \"x\" (names need 3 to 512 characters)");

  // 4. Records: the first write fixes the dimension; later writes and queries must match it.
  if (!c.Add(Vectors({"a", "b"}, {{1, 0, 0}, {0, 1, 0}})).ok()) ++g_failures;
  ExpectKind(c.Add(Vectors({"c"}, {{1, 2}})), ochre::InvalidKind::kDimensionMismatch,
             "add a 2-d embedding to a 3-d collection");
  ochre::QueryOptions query;
  query.query_embeddings = *ochre::FloatMatrix::FromRows({{1, 2, 3, 4}});
  ExpectKind(c.Query(query).status(), ochre::InvalidKind::kDimensionMismatch, "query with a 4-d embedding");
  ExpectKind(c.Add(Vectors({"d", "e", "d"}, {{1, 1, 1}, {2, 2, 2}, {3, 3, 3}})), ochre::InvalidKind::kDuplicateId,
             "add a batch with the id \"d\" twice");
  Expect(c.Add(Vectors({"nan"}, {{1, NAN, 0}})), StatusCode::kInvalidArgument, "add an embedding holding NaN");
  ochre::RecordBatch no_embeddings;
  no_embeddings.ids = {"f"};
  no_embeddings.documents = std::vector<std::optional<std::string>>{"text but no embedding function"};
  Expect(c.Add(no_embeddings), StatusCode::kInvalidArgument, "add a document to a collection without a function");
  // The refused batches changed nothing: "d" and "e" were valid but their batch was not.
  auto count = c.Count();
  std::printf("%-4s after the refused batches the collection still holds 2 records\n",
              count.ok() && *count == 2 ? "ok" : "FAIL");
  if (!count.ok() || *count != 2) ++g_failures;

  // 5. Filters: the message names the operator and where in the filter it is.
  Expect(ochre::ParseWhere(R"({"price": {"$gt": "cheap"}})").status(), StatusCode::kInvalidArgument,
         R"(where {"price": {"$gt": "cheap"}})");
  Expect(ochre::ParseWhere(R"({"$and": [{"a": 1}, {"b": {"$near": 2}}]})").status(), StatusCode::kInvalidArgument,
         R"(where {"$and": [{"a": 1}, {"b": {"$near": 2}}]})");
  Expect(ochre::ParseWhere("{not json").status(), StatusCode::kInvalidArgument, "where that is not JSON");
  Expect(ochre::ParseWhereDocument(R"({"$contains": 42})").status(), StatusCode::kInvalidArgument,
         R"(where_document {"$contains": 42})");
  query.query_embeddings = *ochre::FloatMatrix::FromRows({{1, 0, 0}});
  query.n_results = 0;
  Expect(c.Query(query).status(), StatusCode::kInvalidArgument, "query with n_results = 0");

  // 6. Reset is refused unless the client was opened with Settings{.allow_reset = true}.
  Expect(client.Reset(), StatusCode::kPermissionDenied, "reset without allow_reset");

  std::filesystem::remove(file_path);
  if (g_failures != 0) {
    std::fprintf(stderr, "error_handling: FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("\nerror_handling: OK\n");
  return 0;
}
