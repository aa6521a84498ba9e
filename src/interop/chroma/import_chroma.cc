// Copyright 2026 The OchreDB Authors.
#include "interop/chroma/import_chroma.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "interop/chroma/chroma_reader.h"
#include "ochre/client.h"

namespace ochre::interop::chroma {
namespace {

Status CheckDestinationEmpty(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) return Status::Ok();
  if (!S_ISDIR(sb.st_mode)) return Status::AlreadyExists(path + " exists and is not a directory");
  DIR* d = ::opendir(path.c_str());
  if (!d) return Status::PermissionDenied(path + ": cannot be listed");
  bool empty = true;
  while (dirent* e = ::readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") empty = false;
  }
  ::closedir(d);
  if (!empty)
    return Status::AlreadyExists("the destination " + path +
                                 " is not empty; import-chroma writes only into a new "
                                 "or empty directory");
  return Status::Ok();
}

}  // namespace

Result<ImportReport> ImportChroma(const ImportOptions& o) {
  if (o.from.empty() || o.path.empty()) return Status::InvalidArgument("both --from and --path are required");
  OCHRE_RETURN_IF_ERROR(CheckDestinationEmpty(o.path));
  OCHRE_ASSIGN_OR_RETURN(ChromaDirectory src, ReadChromaDirectory(o.from));
  OCHRE_ASSIGN_OR_RETURN(auto client, PersistentClient::Open(o.path));
  ImportReport report;
  for (const auto& t : src.tenants) {
    Status s = client->CreateTenant(t);
    if (!s.ok() && !s.IsAlreadyExists()) return s.WithContext("creating tenant " + t);
    ++report.tenants;
  }
  for (const auto& d : src.databases) {
    Status s = client->CreateDatabase(d.name, d.tenant);
    if (!s.ok() && !s.IsAlreadyExists()) return s.WithContext("creating database " + d.tenant + "/" + d.name);
    ++report.databases;
  }
  int64_t total = 0, done = 0;
  for (const auto& c : src.collections) total += int64_t(c.records.size());
  if (o.progress) o.progress(0, total);
  const size_t batch = size_t(std::max<int64_t>(1, std::min<int64_t>(client->MaxBatchSize(), 5000)));
  for (auto& c : src.collections) {
    CreateCollectionOptions co;
    co.name = c.name;
    co.metadata = c.metadata;
    co.configuration = c.configuration;
    co.embedding_function = nullptr;
    const Scope scope{c.tenant, c.database};
    auto col = client->CreateCollection(co, scope);
    if (!col.ok()) return col.status().WithContext("creating collection " + c.tenant + "/" + c.database + "/" + c.name);
    for (size_t k = 0; k < c.records.size(); k += batch) {
      size_t n = std::min(batch, c.records.size() - k);
      size_t dim = c.records[k].embedding.size();
      RecordBatch b;
      std::vector<float> data;
      data.reserve(n * dim);
      std::vector<std::optional<std::string>> docs, uris;
      std::vector<std::optional<Metadata>> mds;
      bool any_doc = false, any_uri = false, any_md = false;
      for (size_t i = k; i < k + n; ++i) {
        auto& r = c.records[i];
        if (r.embedding.size() != dim)
          return Status::Corruption("collection '" + c.name + "': records of different dimensions in Chroma's files");
        b.ids.push_back(r.id);
        data.insert(data.end(), r.embedding.begin(), r.embedding.end());
        any_doc |= r.document.has_value();
        any_uri |= r.uri.has_value();
        any_md |= !r.metadata.empty();
        docs.push_back(r.document);
        uris.push_back(r.uri);
        mds.push_back(r.metadata.empty() ? std::nullopt : std::optional<Metadata>(r.metadata));
      }
      b.embeddings = FloatMatrix(dim, std::move(data));
      if (any_doc) b.documents = std::move(docs);
      if (any_uri) b.uris = std::move(uris);
      if (any_md) b.metadatas = std::move(mds);
      Status s = (*col)->Add(b);
      if (!s.ok())
        return s.WithContext("writing collection '" + c.name + "' into " + o.path +
                             " (the import stopped part way; remove " + o.path + " and run again)");
      done += int64_t(n);
      if (o.progress) o.progress(done, total);
    }
    report.collections.push_back(ImportedCollection{c.tenant, c.database, c.name, int64_t(c.records.size()),
                                                    c.vectors_from_hnsw, c.queue_rows_replayed});
    report.records += int64_t(c.records.size());
    c.records.clear();
    c.records.shrink_to_fit();
  }
  OCHRE_RETURN_IF_ERROR(client->Checkpoint());
  return report;
}

}  // namespace ochre::interop::chroma
