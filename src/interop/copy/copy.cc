// Copyright 2026 The OchreDB Authors.
#include "interop/copy/copy.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

namespace ochre::interop {
namespace {

using json = nlohmann::json;
constexpr int64_t kMaxFloatsPerBatch = 1000000;

struct State {
  std::string path;
  std::set<std::string> created;  // collections this copy created at the destination
};

Status SaveState(const State& s, const CopyOptions& o) {
  json j = {{"format", "ochre-copy-state"},
            {"version", 1},
            {"from", o.from},
            {"to", o.to},
            {"created", std::vector<std::string>(s.created.begin(), s.created.end())}};
  std::string tmp = s.path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << j.dump() << "\n";
    f.flush();
    if (!f) return Status::IOError("cannot write the copy state file " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, s.path, ec);
  if (ec) return Status::IOError("cannot write the copy state file " + s.path + ": " + ec.message());
  return Status::Ok();
}

Result<State> LoadState(const std::string& path, const CopyOptions& o) {
  State s{path, {}};
  std::ifstream f(path);
  if (!f) return s;
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "ochre-copy-state")
    return Status::InvalidArgument(path + " is not an ochre copy state file");
  if (j.value("from", "") != o.from || j.value("to", "") != o.to)
    return Status::InvalidArgument(path + " is the state of a copy from " + j.value("from", "") + " to " +
                                   j.value("to", "") + ", not this one");
  for (const auto& c : j["created"]) s.created.insert(c.get<std::string>());
  return s;
}

bool SameConfig(const CollectionConfiguration& a, const CollectionConfiguration& b) {
  return a.hnsw.space == b.hnsw.space;
}

}  // namespace

std::string DefaultCopyStateFile(const CopyOptions& o) {
  uint64_t h = 1469598103934665603ull;
  for (const std::string* s :
       {&o.from, &o.to, &o.from_options.tenant, &o.from_options.database, &o.to_options.tenant, &o.to_options.database})
    for (char c : *s + '\n') h = (h ^ uint8_t(c)) * 1099511628211ull;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(".ochre-copy-") + buf + ".json";
}

Result<CopyFigures> Copy(const CopyOptions& o, const CopyProgress& progress) {
  if (o.from == o.to && o.from_options.tenant == o.to_options.tenant &&
      o.from_options.database == o.to_options.database)
    return Status::InvalidArgument("--from and --to are the same place");
  OCHRE_ASSIGN_OR_RETURN(auto src, OpenCopyEndpoint(o.from, o.from_options));
  OCHRE_ASSIGN_OR_RETURN(auto dst, OpenCopyEndpoint(o.to, o.to_options));
  OCHRE_ASSIGN_OR_RETURN(int64_t batch, dst->MaxBatchSize());
  OCHRE_RETURN_IF_ERROR(src->MaxBatchSize().status());  // reachable, and the token is accepted
  CopyFigures f;
  f.batch_size = batch;
  f.state_file = o.state_file.empty() ? DefaultCopyStateFile(o) : o.state_file;
  OCHRE_ASSIGN_OR_RETURN(State state, LoadState(f.state_file, o));
  f.resumed = !state.created.empty();

  std::vector<CopyCollection> cols;
  if (o.collections.empty()) {
    OCHRE_ASSIGN_OR_RETURN(cols, src->ListCollections());
    std::sort(cols.begin(), cols.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  } else {
    for (const auto& name : o.collections) {
      OCHRE_ASSIGN_OR_RETURN(auto c, src->FindCollection(name));
      if (!c) return Status::NotFound("collection '" + name + "' does not exist at " + o.from);
      cols.push_back(std::move(*c));
    }
  }
  // Checked before anything is written: a destination collection this copy did not create.
  int64_t total = 0;
  for (const auto& c : cols) {
    OCHRE_ASSIGN_OR_RETURN(auto existing, dst->FindCollection(c.name));
    if (existing && !state.created.count(c.name)) {
      OCHRE_ASSIGN_OR_RETURN(int64_t n, dst->Count(c.name));
      return Status::AlreadyExists("collection '" + c.name + "' already exists at " + o.to + " (" + std::to_string(n) +
                                   " records) and was not created by this copy (no entry in " + f.state_file +
                                   "); delete it or copy to another place");
    }
    if (existing && !SameConfig(existing->configuration, c.configuration))
      return Status::AlreadyExists("collection '" + c.name + "' at " + o.to + " has another space than at " + o.from);
    OCHRE_ASSIGN_OR_RETURN(int64_t n, src->Count(c.name));
    total += n;
  }
  int64_t done = 0;
  for (const auto& c : cols) {
    std::unordered_set<std::string> present;
    OCHRE_ASSIGN_OR_RETURN(auto existing, dst->FindCollection(c.name));
    if (!existing) {
      state.created.insert(c.name);
      OCHRE_RETURN_IF_ERROR(SaveState(state, o));  // before the create: a crash between leaves it resumable
      OCHRE_RETURN_IF_ERROR(dst->CreateCollection(c));
    } else {
      for (int64_t off = 0;; off += batch) {
        OCHRE_ASSIGN_OR_RETURN(GetResult r, dst->ReadPage(c.name, off, batch, false));
        present.insert(r.ids.begin(), r.ids.end());
        if (int64_t(r.ids.size()) < batch) break;
      }
      f.already_present += int64_t(present.size());
    }
    ++f.collections;
    // Requests stay far below servers' body limits (Chroma's and ours: 40 MiB) whatever
    // max_batch_size says: at most kMaxFloatsPerBatch values (~21 MB of JSON) per add.
    int64_t page = batch;
    {
      OCHRE_ASSIGN_OR_RETURN(GetResult first, src->ReadPage(c.name, 0, 1, true));
      if (first.embeddings && first.embeddings->dim() > 0)
        page = std::max<int64_t>(1, std::min<int64_t>(batch, kMaxFloatsPerBatch / int64_t(first.embeddings->dim())));
    }
    f.batch_size = std::min(f.batch_size, page);
    for (int64_t off = 0;; off += page) {
      OCHRE_ASSIGN_OR_RETURN(GetResult r, src->ReadPage(c.name, off, page, true));
      size_t n = r.ids.size();
      RecordBatch b;
      b.documents.emplace();
      b.metadatas.emplace();
      b.uris.emplace();
      std::vector<float> data;
      size_t dim = r.embeddings ? r.embeddings->dim() : 0;
      for (size_t i = 0; i < n; ++i) {
        if (present.count(r.ids[i])) continue;
        b.ids.push_back(r.ids[i]);
        data.insert(data.end(), r.embeddings->row(i), r.embeddings->row(i) + dim);
        b.documents->push_back((*r.documents)[i]);
        const auto& md = (*r.metadatas)[i];  // Chroma refuses {}: no metadata is null
        b.metadatas->push_back(md && !md->empty() ? md : std::nullopt);
        b.uris->push_back((*r.uris)[i]);
      }
      if (!b.ids.empty()) {
        if (o.stop_after_batches && f.batches >= *o.stop_after_batches)
          return Status::Cancelled("copy interrupted after " + std::to_string(f.batches) +
                                   " batches (test hook); run the same command again to resume");
        b.embeddings = FloatMatrix(dim, std::move(data));
        Status s = dst->Add(c.name, b);
        if (!s.ok()) return s.WithContext("adding to '" + c.name + "' at " + o.to);
        ++f.batches;
        f.records += int64_t(b.ids.size());
      }
      done += int64_t(n);
      if (progress) progress(done, total);
      if (int64_t(n) < page) break;
    }
  }
  OCHRE_RETURN_IF_ERROR(dst->Finish());
  std::error_code ec;
  std::filesystem::remove(f.state_file, ec);
  return f;
}

}  // namespace ochre::interop
