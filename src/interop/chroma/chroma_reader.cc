// Copyright 2026 The OchreDB Authors.
#include "interop/chroma/chroma_reader.h"

#include <dirent.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "interop/chroma/hnsw_files.h"
#include "interop/chroma/pickle_reader.h"

namespace ochre::interop::chroma {
namespace {

using json = nlohmann::json;

bool Exists(const std::string& p) {
  struct stat sb;
  return ::stat(p.c_str(), &sb) == 0;
}

class Db {
 public:
  ~Db() {
    if (db_) sqlite3_close(db_);
  }
  Status Open(const std::string& file) {
    // immutable=1: SQLite takes no locks and writes nothing (not even a journal); safe because the
    // caller has checked that no process has the file open and no hot journal is present.
    std::string uri = "file:" + file + "?mode=ro&immutable=1";
    int rc = sqlite3_open_v2(uri.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    if (rc != SQLITE_OK) return Status::InvalidArgument(file + ": cannot be opened as SQLite: " + sqlite3_errstr(rc));
    return Status::Ok();
  }
  // Runs `sql`, calling `row` for each result row.
  Status Each(const std::string& sql, const std::function<Status(sqlite3_stmt*)>& row,
              const std::vector<std::string>& binds = {}) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      std::string msg = sqlite3_errmsg(db_);
      return Status::InvalidArgument("chroma.sqlite3: " + msg + " (in: " + sql + ")");
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
    for (size_t i = 0; i < binds.size(); ++i)
      sqlite3_bind_text(st, int(i + 1), binds[i].data(), int(binds[i].size()), SQLITE_TRANSIENT);
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) return Status::Ok();
      if (rc != SQLITE_ROW) return Status::Corruption(std::string("chroma.sqlite3: ") + sqlite3_errmsg(db_));
      OCHRE_RETURN_IF_ERROR(row(st));
    }
  }
  bool HasTable(const std::string& name) {
    bool found = false;
    Status s = Each("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1",
                    [&](sqlite3_stmt*) {
                      found = true;
                      return Status::Ok();
                    },
                    {name});
    return s.ok() && found;
  }
  std::set<std::string> Columns(const std::string& table) {
    std::set<std::string> cols;
    (void)Each("PRAGMA table_info(" + table + ")", [&](sqlite3_stmt* st) {
      cols.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
      return Status::Ok();
    });
    return cols;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string Text(sqlite3_stmt* st, int col) {
  const unsigned char* p = sqlite3_column_text(st, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st, col)) : std::string();
}

// seq ids: INTEGER, or (before metadb 00005) an 8-byte big-endian BLOB.
int64_t SeqId(sqlite3_stmt* st, int col) {
  if (sqlite3_column_type(st, col) == SQLITE_BLOB) {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, col));
    int n = sqlite3_column_bytes(st, col);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return static_cast<int64_t>(v);
  }
  return sqlite3_column_int64(st, col);
}

// A typed value from a (string_value, int_value, float_value, bool_value) row at `col`.
std::optional<MetadataValue> TypedValue(sqlite3_stmt* st, int col) {
  if (sqlite3_column_type(st, col) != SQLITE_NULL) return MetadataValue(Text(st, col));
  if (sqlite3_column_type(st, col + 1) != SQLITE_NULL) return MetadataValue(int64_t(sqlite3_column_int64(st, col + 1)));
  if (sqlite3_column_type(st, col + 2) != SQLITE_NULL) return MetadataValue(sqlite3_column_double(st, col + 2));
  if (sqlite3_column_type(st, col + 3) != SQLITE_NULL) return MetadataValue(sqlite3_column_int64(st, col + 3) != 0);
  return std::nullopt;
}

void AppendToArray(MetadataValue* arr, const MetadataValue& v, bool first) {
  if (first) {
    if (auto* s = std::get_if<std::string>(&v)) *arr = std::vector<std::string>{*s};
    if (auto* i = std::get_if<int64_t>(&v)) *arr = std::vector<int64_t>{*i};
    if (auto* f = std::get_if<double>(&v)) *arr = std::vector<double>{*f};
    if (auto* b = std::get_if<bool>(&v)) *arr = std::vector<bool>{*b};
    return;
  }
  if (auto* s = std::get_if<std::string>(&v)) {
    if (auto* a = std::get_if<std::vector<std::string>>(arr)) a->push_back(*s);
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    if (auto* a = std::get_if<std::vector<int64_t>>(arr)) a->push_back(*i);
  } else if (auto* f = std::get_if<double>(&v)) {
    if (auto* a = std::get_if<std::vector<double>>(arr)) a->push_back(*f);
  } else if (auto* b = std::get_if<bool>(&v)) {
    if (auto* a = std::get_if<std::vector<bool>>(arr)) a->push_back(*b);
  }
}

// A JSON value of a queue row's metadata as a metadata value (null: delete the key).
Result<MetadataValue> FromJson(const json& j, const std::string& key) {
  if (j.is_null()) return MetadataValue{};
  if (j.is_boolean()) return MetadataValue(j.get<bool>());
  if (j.is_number_integer()) return MetadataValue(j.get<int64_t>());
  if (j.is_number_float()) return MetadataValue(j.get<double>());
  if (j.is_string()) return MetadataValue(j.get<std::string>());
  if (j.is_array() && !j.empty()) {
    const json& f = j.front();
    if (f.is_string()) return MetadataValue(j.get<std::vector<std::string>>());
    if (f.is_boolean()) return MetadataValue(j.get<std::vector<bool>>());
    bool any_float = false;
    for (const auto& e : j) any_float |= e.is_number_float();
    if (any_float) return MetadataValue(j.get<std::vector<double>>());
    if (f.is_number()) return MetadataValue(j.get<std::vector<int64_t>>());
  }
  return Status::Corruption("embeddings_queue: metadata key '" + key + "' has a value Chroma does not write");
}

struct Live {
  std::optional<std::string> document;
  std::optional<std::string> uri;
  Metadata metadata;
  int64_t order;
};

// Applies a queue row's metadata to a record: merges keys (null deletes), peels document and uri.
Status Merge(const json& md, Live* r) {
  if (!md.is_object()) return Status::Ok();
  for (auto it = md.begin(); it != md.end(); ++it) {
    OCHRE_ASSIGN_OR_RETURN(MetadataValue v, FromJson(it.value(), it.key()));
    bool is_null = std::holds_alternative<std::monostate>(v);
    if (it.key() == "chroma:document") {
      r->document = is_null ? std::nullopt : std::optional<std::string>(std::get<std::string>(v));
    } else if (it.key() == "chroma:uri") {
      r->uri = is_null ? std::nullopt : std::optional<std::string>(std::get<std::string>(v));
    } else if (is_null) {
      r->metadata.erase(it.key());
    } else {
      r->metadata[it.key()] = std::move(v);
    }
  }
  return Status::Ok();
}

std::optional<Space> ParseSpace(const std::string& s) {
  if (s == "l2") return Space::kL2;
  if (s == "cosine") return Space::kCosine;
  if (s == "ip") return Space::kIp;
  return std::nullopt;
}

// Reads HNSW parameters and the embedding-function descriptor from whichever place this Chroma
// version keeps them: schema_str (1.2+), config_json_str's "hnsw" (1.0/1.1) or
// "hnsw_configuration" (0.5/0.6). The legacy "hnsw:*" metadata keys are left in the metadata, where
// OchreDB resolves them as Chroma does.
void ParseConfig(const std::string& config_str, const std::string& schema_str, CollectionConfigurationUpdate* out) {
  HnswConfigUpdate h;
  bool any = false;
  auto take = [&](const json& j) {
    if (!j.is_object()) return;
    auto num = [&](const char* k, std::optional<int>* f) {
      if (j.contains(k) && j[k].is_number()) *f = j[k].get<int>(), any = true;
    };
    if (j.contains("space") && j["space"].is_string()) {
      h.space = ParseSpace(j["space"].get<std::string>());
      any = true;
    }
    num("ef_construction", &h.ef_construction);
    // Chroma stores its default 100 whether it was set or not: taken as the default (the adaptive beam).
    if (j.contains("ef_search") && j["ef_search"].is_number() &&
        j["ef_search"].get<int>() != HnswConfig::kDefaultEfSearch) {
      num("ef_search", &h.ef_search);
    }
    num("max_neighbors", &h.max_neighbors);
    num("M", &h.max_neighbors);
    num("num_threads", &h.num_threads);
    num("batch_size", &h.batch_size);
    num("sync_threshold", &h.sync_threshold);
    if (j.contains("resize_factor") && j["resize_factor"].is_number())
      h.resize_factor = j["resize_factor"].get<double>(), any = true;
  };
  auto take_ef = [&](const json& ef) {
    if (!ef.is_object() || !ef.contains("type") || !ef["type"].is_string()) return;
    EmbeddingFunctionDescriptor d;
    d.type = ef["type"].get<std::string>();
    if (ef.contains("name") && ef["name"].is_string()) d.name = ef["name"].get<std::string>();
    if (ef.contains("config")) d.config_json = ef["config"].dump();
    out->embedding_function = d;
  };
  json cfg = json::parse(config_str, nullptr, false);
  if (cfg.is_object()) {
    if (cfg.contains("hnsw")) take(cfg["hnsw"]);
    if (cfg.contains("hnsw_configuration")) take(cfg["hnsw_configuration"]);
    if (cfg.contains("embedding_function")) take_ef(cfg["embedding_function"]);
  }
  json schema = json::parse(schema_str, nullptr, false);
  if (schema.is_object()) {
    const json* vi = nullptr;
    if (schema.contains("keys") && schema["keys"].contains("#embedding"))
      vi = &schema["keys"]["#embedding"]["float_list"]["vector_index"]["config"];
    else if (schema.contains("defaults"))
      vi = &schema["defaults"]["float_list"]["vector_index"]["config"];
    if (vi && vi->is_object()) {
      if (vi->contains("space")) take(json{{"space", (*vi)["space"]}});
      if (vi->contains("hnsw")) take((*vi)["hnsw"]);
      if (vi->contains("embedding_function")) take_ef((*vi)["embedding_function"]);
    }
  }
  if (out->embedding_function && out->embedding_function->type != "known") out->embedding_function.reset();
  if (any) out->hnsw = h;
}

Status CheckMigrations(Db& db) {
  if (!db.HasTable("migrations")) return Status::Ok();
  std::map<std::string, int> max;
  OCHRE_RETURN_IF_ERROR(db.Each("SELECT dir, MAX(version) FROM migrations GROUP BY dir", [&](sqlite3_stmt* st) {
    max[Text(st, 0)] = sqlite3_column_int(st, 1);
    return Status::Ok();
  }));
  const std::map<std::string, int> known = {
      {"sysdb", kKnownSysdbVersion}, {"metadb", kKnownMetadbVersion}, {"embeddings_queue", kKnownQueueVersion}};
  for (const auto& [dir, v] : max) {
    auto it = known.find(dir);
    if (it == known.end())
      return Status::NotSupported("the Chroma directory has migrations of an unknown kind '" + dir +
                                  "': a newer Chroma schema than this OchreDB reads (it knows Chroma up to 1.4)");
    if (v > it->second) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%05d", v);
      return Status::NotSupported("the Chroma schema is newer than this OchreDB reads: migration " + dir + "/" + buf +
                                  " is applied, the newest known is " + dir + "/" + std::to_string(it->second) +
                                  " (Chroma 1.4); upgrade OchreDB");
    }
  }
  return Status::Ok();
}

// The vector segment's records from its HNSW folder: id -> embedding, and the legacy max_seq_id the
// pickle records (0.5/0.6 keep the vector segment's high-water mark only there).
struct HnswState {
  std::unordered_map<std::string, std::vector<float>> vectors;
  std::optional<int64_t> pickle_max_seq_id;
};

Result<HnswState> ReadHnswFolder(const std::string& folder, Space space) {
  HnswState out;
  const std::string pickle_path = folder + "/index_metadata.pickle";
  if (!Exists(pickle_path)) return out;  // never persisted: everything is still in the queue
  std::ifstream f(pickle_path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  OCHRE_ASSIGN_OR_RETURN(auto root, ParsePickle(ss.str(), pickle_path));
  if (root->kind != PickleValue::Kind::kDict) return Status::Corruption(pickle_path + ": not a dict");
  const PickleValue* id_to_label = root->Get("id_to_label");
  if (!id_to_label || id_to_label->kind != PickleValue::Kind::kDict)
    return Status::Corruption(pickle_path + ": no id_to_label dict");
  if (const PickleValue* m = root->Get("max_seq_id"); m && m->kind == PickleValue::Kind::kInt)
    out.pickle_max_seq_id = m->i;
  if (id_to_label->dict.empty()) return out;
  OCHRE_ASSIGN_OR_RETURN(HnswFiles files, HnswFiles::Open(folder));
  for (const auto& [k, v] : id_to_label->dict) {
    if (k->kind != PickleValue::Kind::kStr || v->kind != PickleValue::Kind::kInt)
      return Status::Corruption(pickle_path + ": id_to_label is not str -> int");
    std::vector<float> vec;
    OCHRE_ASSIGN_OR_RETURN(bool live, files.VectorOfLabel(static_cast<uint64_t>(v->i), space == Space::kCosine, &vec));
    if (live) out.vectors.emplace(k->s, std::move(vec));
  }
  return out;
}

Status DecodeVector(sqlite3_stmt* st, int col, const std::string& encoding, std::vector<float>* out) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(st, col));
  size_t n = size_t(sqlite3_column_bytes(st, col));
  if (n % 4) return Status::Corruption("embeddings_queue: a vector of " + std::to_string(n) + " bytes");
  out->resize(n / 4);
  if (encoding == "FLOAT32" || encoding.empty()) {
    std::memcpy(out->data(), p, n);
  } else if (encoding == "INT32") {
    for (size_t i = 0; i < n / 4; ++i) {
      int32_t x;
      std::memcpy(&x, p + 4 * i, 4);
      (*out)[i] = float(x);
    }
  } else {
    return Status::NotSupported("embeddings_queue: vector encoding '" + encoding + "' is not one Chroma writes");
  }
  return Status::Ok();
}

struct Segments {
  std::string vector_id, metadata_id;
};

Status ReadCollection(Db& db, const std::string& dir, const Segments& seg,
                      const std::map<std::string, int64_t>& max_seq, ChromaCollection* c) {
  Space space = Space::kL2;
  if (c->configuration.hnsw && c->configuration.hnsw->space) space = *c->configuration.hnsw->space;
  if (c->metadata) {
    auto it = c->metadata->find("hnsw:space");
    if (it != c->metadata->end())
      if (auto* s = std::get_if<std::string>(&it->second))
        if (auto sp = ParseSpace(*s); sp && !(c->configuration.hnsw && c->configuration.hnsw->space)) space = *sp;
  }
  // 1. Vectors: the HNSW files, then the queue past the vector segment's high-water mark.
  HnswState hnsw;
  if (!seg.vector_id.empty() && Exists(dir + "/" + seg.vector_id)) {
    OCHRE_ASSIGN_OR_RETURN(hnsw, ReadHnswFolder(dir + "/" + seg.vector_id, space));
  }
  c->vectors_from_hnsw = int64_t(hnsw.vectors.size());
  int64_t vector_max = hnsw.pickle_max_seq_id.value_or(0);
  if (auto it = max_seq.find(seg.vector_id); it != max_seq.end()) vector_max = std::max(vector_max, it->second);
  if (hnsw.vectors.empty() && !Exists(dir + "/" + seg.vector_id + "/index_metadata.pickle")) vector_max = 0;
  int64_t metadata_max = 0;
  if (auto it = max_seq.find(seg.metadata_id); it != max_seq.end()) metadata_max = it->second;

  // 2. Records of the metadata segment.
  std::map<std::string, Live> live;
  std::unordered_map<int64_t, std::string> row_to_id;
  OCHRE_RETURN_IF_ERROR(db.Each("SELECT id, embedding_id FROM embeddings WHERE segment_id=?1 ORDER BY id",
                                [&](sqlite3_stmt* st) {
                                  int64_t row = sqlite3_column_int64(st, 0);
                                  std::string id = Text(st, 1);
                                  row_to_id[row] = id;
                                  live[id].order = row;
                                  return Status::Ok();
                                },
                                {seg.metadata_id}));
  OCHRE_RETURN_IF_ERROR(
      db.Each("SELECT m.id, m.key, m.string_value, m.int_value, m.float_value, m.bool_value FROM embedding_metadata m "
              "JOIN embeddings e ON e.id = m.id WHERE e.segment_id=?1",
              [&](sqlite3_stmt* st) {
                Live& r = live[row_to_id[sqlite3_column_int64(st, 0)]];
                std::string key = Text(st, 1);
                auto v = TypedValue(st, 2);
                if (!v) return Status::Ok();
                if (key == "chroma:document") {
                  if (auto* s = std::get_if<std::string>(&*v)) r.document = *s;
                } else if (key == "chroma:uri") {
                  if (auto* s = std::get_if<std::string>(&*v)) r.uri = *s;
                } else {
                  r.metadata[key] = *v;
                }
                return Status::Ok();
              },
              {seg.metadata_id}));
  if (db.HasTable("embedding_metadata_array")) {
    std::set<std::pair<int64_t, std::string>> started;
    OCHRE_RETURN_IF_ERROR(db.Each(
        "SELECT a.id, a.key, a.string_value, a.int_value, a.float_value, a.bool_value FROM embedding_metadata_array a "
        "JOIN embeddings e ON e.id = a.id WHERE e.segment_id=?1 ORDER BY a.rowid",
        [&](sqlite3_stmt* st) {
          int64_t row = sqlite3_column_int64(st, 0);
          std::string key = Text(st, 1);
          auto v = TypedValue(st, 2);
          if (!v) return Status::Ok();
          bool first = started.insert({row, key}).second;
          AppendToArray(&live[row_to_id[row]].metadata[key], *v, first);
          return Status::Ok();
        },
        {seg.metadata_id}));
  }

  // 3. The queue, in order: past metadata_max for documents/metadata, past vector_max for vectors.
  int64_t next_order = 1;
  for (const auto& [row, id] : row_to_id) next_order = std::max(next_order, row + 1);
  const std::string topic_suffix = "/" + c->id;
  Status inner;
  OCHRE_RETURN_IF_ERROR(
      db.Each("SELECT seq_id, operation, id, vector, encoding, metadata, topic FROM embeddings_queue "
              "WHERE seq_id > ?1 ORDER BY seq_id",
              [&](sqlite3_stmt* st) {
                std::string topic = Text(st, 6);
                if (topic.size() < topic_suffix.size() ||
                    topic.compare(topic.size() - topic_suffix.size(), topic_suffix.size(), topic_suffix) != 0)
                  return Status::Ok();
                int64_t seq = SeqId(st, 0);
                int op = sqlite3_column_int(st, 1);
                std::string id = Text(st, 2);
                bool has_vec = sqlite3_column_type(st, 3) == SQLITE_BLOB;
                std::vector<float> vec;
                if (has_vec) OCHRE_RETURN_IF_ERROR(DecodeVector(st, 3, Text(st, 4), &vec));
                json md = sqlite3_column_type(st, 5) == SQLITE_NULL ? json() : json::parse(Text(st, 5), nullptr, false);
                if (md.is_discarded())
                  return Status::Corruption("embeddings_queue row " + std::to_string(seq) + ": bad JSON");
                ++c->queue_rows_replayed;
                if (seq > vector_max) {
                  bool present = hnsw.vectors.count(id) > 0;
                  if (op == 3) {
                    hnsw.vectors.erase(id);
                  } else if (has_vec && ((op == 0 && !present) || (op == 1 && present) || op == 2)) {
                    hnsw.vectors[id] = vec;
                  }
                }
                if (seq > metadata_max) {
                  auto it = live.find(id);
                  bool present = it != live.end();
                  if (op == 3) {
                    if (present) live.erase(it);
                  } else if ((op == 0 || op == 2) && !present) {
                    Live& r = live[id];
                    r.order = next_order++;
                    OCHRE_RETURN_IF_ERROR(Merge(md, &r));
                  } else if ((op == 1 || op == 2) && present) {
                    OCHRE_RETURN_IF_ERROR(Merge(md, &it->second));
                  }
                }
                return Status::Ok();
              },
              {std::to_string(std::min(vector_max, metadata_max))}));
  // embeddings_queue's seq_id is an INTEGER PRIMARY KEY; the bound above is text, so compare as
  // numbers: SQLite applies INTEGER affinity to it.

  // 4. The final records in Chroma's get order.
  std::vector<std::pair<int64_t, std::string>> order;
  order.reserve(live.size());
  for (const auto& [id, r] : live) order.emplace_back(r.order, id);
  std::sort(order.begin(), order.end());
  c->records.reserve(order.size());
  for (const auto& [o, id] : order) {
    Live& r = live[id];
    auto v = hnsw.vectors.find(id);
    if (v == hnsw.vectors.end())
      return Status::Corruption("collection '" + c->name + "': record '" + id +
                                "' has no vector in the HNSW files nor in embeddings_queue");
    c->records.push_back(
        ChromaRecord{id, std::move(v->second), std::move(r.document), std::move(r.uri), std::move(r.metadata)});
  }
  return Status::Ok();
}

}  // namespace

Status CheckNotOpenByChroma(const std::string& dir) {
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf) == nullptr) return Status::InvalidArgument(dir + ": no such directory");
  std::string root = std::string(buf) + "/";
  for (const char* suffix : {"-journal", "-wal"}) {
    struct stat sb;
    std::string p = root + "chroma.sqlite3" + suffix;
    if (::stat(p.c_str(), &sb) == 0 && sb.st_size > 0)
      return Status::Locked(p +
                            " exists: a Chroma process is writing to the directory or crashed while writing. "
                            "Stop Chroma (or open and close the directory with Chroma once) and run again");
  }
  DIR* proc = ::opendir("/proc");
  if (!proc) return Status::Ok();
  std::unique_ptr<DIR, int (*)(DIR*)> guard(proc, ::closedir);
  const std::string self = std::to_string(::getpid());
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || self == e->d_name) continue;
    std::string fd_dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;
    std::unique_ptr<DIR, int (*)(DIR*)> fguard(fds, ::closedir);
    while (dirent* f = ::readdir(fds)) {
      char target[PATH_MAX];
      ssize_t n = ::readlink((fd_dir + "/" + f->d_name).c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = 0;
      if (std::strncmp(target, root.c_str(), root.size()) == 0) {
        std::string comm;
        std::ifstream(std::string("/proc/") + e->d_name + "/comm") >> comm;
        return Status::Locked("the Chroma directory is open in process " + std::string(e->d_name) + " (" + comm +
                              ", file " + target + "); stop that Chroma process first, then run again");
      }
    }
  }
  return Status::Ok();
}

Result<ChromaDirectory> ReadChromaDirectory(const std::string& dir,
                                            const std::function<void(int64_t, int64_t)>& progress) {
  const std::string file = dir + "/chroma.sqlite3";
  struct stat sb;
  if (::stat(dir.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode))
    return Status::InvalidArgument(dir + " is not a directory");
  if (!Exists(file)) return Status::InvalidArgument(dir + " is not a Chroma directory: it has no chroma.sqlite3");
  OCHRE_RETURN_IF_ERROR(CheckNotOpenByChroma(dir));
  Db db;
  OCHRE_RETURN_IF_ERROR(db.Open(file));
  for (const char* t : {"collections", "segments", "embeddings", "embedding_metadata", "embeddings_queue"}) {
    if (!db.HasTable(t))
      return Status::InvalidArgument(dir + " is not a Chroma directory: chroma.sqlite3 has no table '" + t + "'");
  }
  OCHRE_RETURN_IF_ERROR(CheckMigrations(db));

  ChromaDirectory out;
  std::map<std::string, ChromaDatabase> db_by_id;
  if (db.HasTable("tenants")) {
    OCHRE_RETURN_IF_ERROR(db.Each("SELECT id FROM tenants ORDER BY id", [&](sqlite3_stmt* st) {
      out.tenants.push_back(Text(st, 0));
      return Status::Ok();
    }));
  }
  if (db.HasTable("databases")) {
    OCHRE_RETURN_IF_ERROR(
        db.Each("SELECT id, name, tenant_id FROM databases ORDER BY tenant_id, name", [&](sqlite3_stmt* st) {
          ChromaDatabase d{Text(st, 2), Text(st, 1)};
          db_by_id[Text(st, 0)] = d;
          out.databases.push_back(d);
          return Status::Ok();
        }));
  }
  std::map<std::string, int64_t> max_seq;
  if (db.HasTable("max_seq_id")) {
    OCHRE_RETURN_IF_ERROR(db.Each("SELECT segment_id, seq_id FROM max_seq_id", [&](sqlite3_stmt* st) {
      max_seq[Text(st, 0)] = SeqId(st, 1);
      return Status::Ok();
    }));
  }
  std::map<std::string, Segments> segs;
  OCHRE_RETURN_IF_ERROR(db.Each("SELECT id, scope, collection FROM segments", [&](sqlite3_stmt* st) {
    std::string scope = Text(st, 1);
    if (scope == "VECTOR") segs[Text(st, 2)].vector_id = Text(st, 0);
    if (scope == "METADATA") segs[Text(st, 2)].metadata_id = Text(st, 0);
    return Status::Ok();
  }));
  auto cols = db.Columns("collections");
  std::string sql = "SELECT id, name, " + std::string(cols.count("database_id") ? "database_id" : "''") + ", " +
                    (cols.count("config_json_str") ? "config_json_str" : "'{}'") + ", " +
                    (cols.count("schema_str") ? "schema_str" : "NULL") + " FROM collections ORDER BY id";
  OCHRE_RETURN_IF_ERROR(db.Each(sql, [&](sqlite3_stmt* st) {
    ChromaCollection c;
    c.id = Text(st, 0);
    c.name = Text(st, 1);
    auto d = db_by_id.find(Text(st, 2));
    c.tenant = d != db_by_id.end() ? d->second.tenant : kDefaultTenant;
    c.database = d != db_by_id.end() ? d->second.name : kDefaultDatabase;
    ParseConfig(Text(st, 3), Text(st, 4), &c.configuration);
    out.collections.push_back(std::move(c));
    return Status::Ok();
  }));
  if (db.HasTable("collection_metadata")) {
    for (auto& c : out.collections) {
      OCHRE_RETURN_IF_ERROR(db.Each(
          "SELECT key, str_value, int_value, float_value, bool_value FROM collection_metadata WHERE collection_id=?1",
          [&](sqlite3_stmt* st) {
            if (auto v = TypedValue(st, 1)) {
              if (!c.metadata) c.metadata.emplace();
              (*c.metadata)[Text(st, 0)] = *v;
            }
            return Status::Ok();
          },
          {c.id}));
    }
  }
  int64_t done = 0;
  for (auto& c : out.collections) {
    OCHRE_RETURN_IF_ERROR(ReadCollection(db, dir, segs[c.id], max_seq, &c));
    if (progress) progress(++done, int64_t(out.collections.size()));
  }
  return out;
}

}  // namespace ochre::interop::chroma
