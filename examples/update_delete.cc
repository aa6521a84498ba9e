// Copyright 2026 The OchreDB Authors.
//
// update_delete: changing and removing records with Chroma's semantics. Update merges metadata key
// by key (a null value deletes a key), re-embeds a changed document, and skips ids that do not
// exist; delete works by ids, by a metadata filter and by a document filter, and returns a count.
// Usage: update_delete [db_dir] (default: a fresh directory in /tmp).
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
  char tmpl[] = "/tmp/ochre-update_delete-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir ? dir : "/tmp/ochre-update_delete";
}

bool Check(bool ok, const std::string& what) {
  std::printf("  %-4s %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++g_failures;
  return ok;
}

std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : " ") + id;
  return "[" + out + "]";
}

std::vector<std::string> AllIds(const ochre::Collection& c) {
  ochre::GetOptions o;
  o.include = ochre::Include{};
  auto r = c.Get(o);
  return r.ok() ? r->ids : std::vector<std::string>{"<" + r.status().ToString() + ">"};
}

std::optional<Metadata> MetadataOf(const ochre::Collection& c, const std::string& id) {
  ochre::GetOptions o;
  o.ids = std::vector<std::string>{id};
  auto r = c.Get(o);
  if (!r.ok() || r->ids.empty()) return std::nullopt;
  return (*r->metadatas)[0];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = DatabaseDir(argc, argv);
  auto client = ochre::PersistentClient::Open(path);
  ochre::CreateCollectionOptions options;
  options.embedding_function = ochre::MakeHashingEmbeddingFunction();  // explicit: CI has no model
  options.name = "tasks";
  auto created = client.ok() ? (*client)->CreateCollection(options) : client.status();
  if (!created.ok()) {
    std::fprintf(stderr, "update_delete: FAILED: %s\n", created.status().ToString().c_str());
    return 1;
  }
  ochre::Collection& c = **created;
  using S = std::string;
  ochre::RecordBatch tasks;
  tasks.ids = {"t1", "t2", "t3", "t4", "t5", "t6"};
  tasks.documents = std::vector<std::optional<S>>{"Write the quarterly report", "Fix the login page bug",
                                                  "Order new office chairs",    "Obsolete: migrate the fax server",
                                                  "Plan the team offsite",      "Review the obsolete pricing page"};
  tasks.metadatas = std::vector<std::optional<Metadata>>{
      Metadata{{"status", S("open")}, {"priority", int64_t{2}}, {"owner", S("ana")}},
      Metadata{{"status", S("open")}, {"priority", int64_t{1}}, {"owner", S("ben")}},
      Metadata{{"status", S("open")}, {"priority", int64_t{3}}},
      Metadata{{"status", S("open")}, {"priority", int64_t{3}}},
      Metadata{{"status", S("done")}, {"priority", int64_t{2}}},
      Metadata{{"status", S("open")}, {"priority", int64_t{1}}}};
  if (auto s = c.Add(tasks); !s.ok()) {
    std::fprintf(stderr, "update_delete: FAILED: add: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("database: %s, ids %s\n", path.c_str(), Join(AllIds(c)).c_str());

  std::printf("update\n");
  // Only the keys given change: status is set, owner is deleted (null), priority stays.
  ochre::RecordBatch merge;
  merge.ids = {"t1"};
  merge.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"status", S("done")}, {"owner", std::monostate{}}}};
  Check(c.Update(merge).ok(), "update t1 with {status: \"done\", owner: null}");
  const Metadata expected{{"status", S("done")}, {"priority", int64_t{2}}};
  Check(MetadataOf(c, "t1") == expected, "t1's metadata is now {priority: 2, status: \"done\"}");

  // A new document without an embedding is embedded again, so queries see the new text.
  ochre::RecordBatch rewrite;
  rewrite.ids = {"t2"};
  rewrite.documents = std::vector<std::optional<S>>{"Book flights and hotel for the conference"};
  Check(c.Update(rewrite).ok(), "update t2's document");
  ochre::QueryOptions q;
  q.query_texts = std::vector<S>{"conference travel flights hotel"};
  q.n_results = 1;
  auto hit = c.Query(q);
  Check(hit.ok() && hit->ids[0] == std::vector<S>{"t2"}, "a query for the new text finds t2");

  // Chroma skips ids that do not exist instead of failing the batch.
  ochre::RecordBatch ghost;
  ghost.ids = {"t404"};
  ghost.metadatas = std::vector<std::optional<Metadata>>{Metadata{{"status", S("done")}}};
  Check(c.Update(ghost).ok() && AllIds(c).size() == 6, "update of the missing id t404 is skipped; still 6 records");

  std::printf("delete\n");
  ochre::DeleteOptions by_ids;
  by_ids.ids = std::vector<S>{"t3"};
  auto n = c.Delete(by_ids);
  Check(n.ok() && *n == 1, "delete ids [t3] -> " + (n.ok() ? std::to_string(*n) : n.status().ToString()));

  ochre::DeleteOptions by_where;
  by_where.where = *ochre::ParseWhere(R"({"status": "done"})");
  n = c.Delete(by_where);
  Check(n.ok() && *n == 2,
        "delete where {\"status\": \"done\"} -> " + (n.ok() ? std::to_string(*n) : "?") + " (t1 and t5)");

  // $contains is case-sensitive: "bsolete" matches both "Obsolete" and "obsolete".
  ochre::DeleteOptions by_document;
  by_document.where_document = *ochre::ParseWhereDocument(R"({"$contains": "bsolete"})");
  n = c.Delete(by_document);
  Check(n.ok() && *n == 2, "delete where_document {\"$contains\": \"bsolete\"} -> " +
                               (n.ok() ? std::to_string(*n) : "?") + " (t4 and t6)");

  const std::vector<S> left = AllIds(c);
  auto count = c.Count();
  Check(left == std::vector<S>{"t2"} && count.ok() && *count == 1, "left: " + Join(left));
  // A deleted record is gone from queries too, not only from get.
  q.query_texts = std::vector<S>{"migrate the fax server"};
  q.n_results = 5;
  auto after = c.Query(q);
  Check(after.ok() && after->ids[0] == std::vector<S>{"t2"}, "queries see only t2");

  if (g_failures != 0) {
    std::fprintf(stderr, "update_delete: FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("update_delete: OK\n");
  return 0;
}
