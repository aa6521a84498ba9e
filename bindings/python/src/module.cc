// Copyright 2026 The OchreDB Authors.
//
// _ochredb: the thin native layer under the pure-Python package `ochredb`. It only translates:
// Python values to the engine's types and back, Status to exceptions (errors.h). chromadb's
// argument handling, defaults and client-side validation live in Python (ochredb/*.py).
//
// Every engine call runs with the GIL released, so Python threads query and write in parallel; the
// engine is thread-safe (client.h, collection.h). Conversions happen before and after, with the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <utility>

#include "convert.h"
#include "embedding.h"
#include "errors.h"
#include "interop/chroma/import_chroma.h"
#include "interop/copy/copy.h"
#include "ochre/ochre.h"
#include "search_binding.h"
#include "sparse.h"
#include "tools.h"

namespace ochredb {
namespace {

// Runs `fn` (an engine call returning Status or Result<T>) without the GIL and returns its value,
// raising the mapped Python exception on failure.
template <typename Fn>
auto Call(Fn&& fn, StatusContext context = StatusContext::kCall) {
  ClearPendingPythonError();
  auto r = [&] {
    py::gil_scoped_release nogil;
    return fn();
  }();
  if constexpr (std::is_same_v<decltype(r), ochre::Status>) {
    if (!r.ok()) ThrowStatus(r, context);
  } else {
    if (!r.ok()) ThrowStatus(r.status(), context);
    return std::move(r).value();
  }
}

ochre::Scope ToScope(const std::string& tenant, const std::string& database) { return ochre::Scope{tenant, database}; }

py::object JsonLoads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

py::dict FromInfo(const ochre::CollectionInfo& info) {
  const ochre::HnswConfig& h = info.configuration.hnsw;
  py::dict hnsw;
  hnsw["space"] = ochre::SpaceName(h.space);
  hnsw["ef_construction"] = h.ef_construction;
  hnsw["ef_search"] = h.ef_search;
  hnsw["max_neighbors"] = h.max_neighbors;
  hnsw["resize_factor"] = h.resize_factor;
  hnsw["sync_threshold"] = h.sync_threshold;
  py::object ef = py::none();
  if (const auto& d = info.configuration.embedding_function) {
    py::dict e;
    e["type"] = d->type;
    if (d->type == "known") {
      e["name"] = d->name;
      e["config"] = JsonLoads(d->config_json);
    }
    ef = e;
  }
  py::dict config;
  config["hnsw"] = hnsw;
  config["spann"] = py::none();
  config["embedding_function"] = ef;
  py::dict out;
  out["id"] = info.id;
  out["name"] = info.name;
  out["metadata"] = FromOptionalMetadata(info.metadata);
  out["configuration_json"] = config;
  // Chroma's Schema JSON as the engine stores it ({"defaults": ..., "keys": ...}); None if never stored.
  out["schema"] =
      info.configuration.schema_json.empty() ? py::object(py::none()) : JsonLoads(info.configuration.schema_json);
  out["dimension"] = info.dimension ? py::object(py::int_(*info.dimension)) : py::object(py::none());
  out["tenant"] = info.tenant;
  out["database"] = info.database;
  return out;
}

py::dict FromDatabase(const ochre::DatabaseInfo& db) {
  py::dict out;
  out["id"] = db.id;
  out["name"] = db.name;
  out["tenant"] = db.tenant;
  return out;
}

ochre::Space ToSpace(const std::string& s) {
  if (s == "l2") return ochre::Space::kL2;
  if (s == "cosine") return ochre::Space::kCosine;
  if (s == "ip") return ochre::Space::kIp;
  ThrowStatus(ochre::Status::InvalidArgument("Invalid space: " + s + ". Expected one of l2, cosine, ip"));
}

// {"space": "cosine", "ef_search": 50, ...} -> the engine's optional fields.
ochre::HnswConfigUpdate ToHnswUpdate(py::handle hnsw) {
  ochre::HnswConfigUpdate u;
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(hnsw)) {
    const std::string key = py::str(k).cast<std::string>();
    if (v.is_none()) continue;
    if (key == "space") {
      u.space = ToSpace(py::str(v).cast<std::string>());
    } else if (key == "ef_construction") {
      u.ef_construction = v.cast<int>();
    } else if (key == "ef_search") {
      u.ef_search = v.cast<int>();
    } else if (key == "max_neighbors") {
      u.max_neighbors = v.cast<int>();
    } else if (key == "num_threads") {
      u.num_threads = v.cast<int>();
    } else if (key == "batch_size") {
      u.batch_size = v.cast<int>();
    } else if (key == "sync_threshold") {
      u.sync_threshold = v.cast<int>();
    } else if (key == "resize_factor") {
      u.resize_factor = v.cast<double>();
    } else {
      ThrowStatus(ochre::Status::InvalidArgument("Unknown HNSW configuration key: " + key));
    }
  }
  return u;
}

std::optional<ochre::CollectionConfigurationUpdate> ToConfigUpdate(py::handle hnsw) {
  if (hnsw.is_none()) return std::nullopt;
  ochre::CollectionConfigurationUpdate c;
  c.hnsw = ToHnswUpdate(hnsw);
  return c;
}

std::optional<ochre::WhereNode> ToWhere(py::handle json) {
  if (json.is_none()) return std::nullopt;
  std::string text = json.cast<std::string>();
  return Call([&] { return ochre::ParseWhere(text); });
}

std::optional<ochre::WhereDocumentNode> ToWhereDocument(py::handle json) {
  if (json.is_none()) return std::nullopt;
  std::string text = json.cast<std::string>();
  return Call([&] { return ochre::ParseWhereDocument(text); });
}

std::optional<std::vector<std::string>> ToOptionalIds(py::handle ids) {
  if (ids.is_none()) return std::nullopt;
  return ToStrings(ids);
}

// A Collection handle; `close()` drops it early so the engine (and its LOCK) can go.
struct CollectionHandle {
  std::shared_ptr<ochre::Collection> c;

  // A new reference, held for the whole call: close() on another thread must not free the object
  // while an engine call that released the GIL is still using it.
  std::shared_ptr<ochre::Collection> Get() const {
    if (!c) throw py::value_error("This collection's client has been closed");
    return c;
  }
};

struct ClientHandle {
  std::shared_ptr<ochre::Client> c;

  std::shared_ptr<ochre::Client> Get() const {
    if (!c) throw py::value_error("This client has been closed");
    return c;
  }
};

// Drops a shared engine object without the GIL: the last reference closes the engine, which may
// write index checkpoints.
template <typename T>
void ReleaseWithoutGil(std::shared_ptr<T>& p) {
  std::shared_ptr<T> doomed = std::move(p);
  py::gil_scoped_release nogil;
  doomed.reset();
}

CollectionHandle Wrap(std::shared_ptr<ochre::Collection> c) { return CollectionHandle{std::move(c)}; }

void BindClient(py::module_& m) {
  py::class_<ClientHandle>(m, "Client")
      .def("heartbeat", [](const ClientHandle& h) { return h.Get()->Heartbeat(); })
      .def("version", [](const ClientHandle& h) { return h.Get()->Version(); })
      .def("max_batch_size", [](const ClientHandle& h) { return h.Get()->MaxBatchSize(); })
      .def("path", [](const ClientHandle& h) { return h.Get()->path(); })
      .def("allow_reset", [](const ClientHandle& h) { return h.Get()->settings().allow_reset; })
      .def(
          "create_collection",
          [](ClientHandle& h, const std::string& name, py::handle metadata, py::handle hnsw, py::handle ef,
             bool get_or_create, const std::string& tenant, const std::string& database,
             std::optional<std::string> schema_json) {
            ochre::CreateCollectionOptions o;
            o.name = name;
            o.schema_json = std::move(schema_json);
            if (!metadata.is_none()) o.metadata = ToMetadata(metadata);
            o.configuration = ToConfigUpdate(hnsw);
            o.embedding_function = ToEmbeddingFunction(ef);
            o.get_or_create = get_or_create;
            auto c = h.Get();
            return Wrap(Call([&] { return c->CreateCollection(o, ToScope(tenant, database)); }));
          },
          py::arg("name"), py::arg("metadata"), py::arg("hnsw"), py::arg("ef"), py::arg("get_or_create"),
          py::arg("tenant"), py::arg("database"), py::arg("schema_json") = py::none())
      .def("get_collection",
           [](ClientHandle& h, const std::string& name, bool ef_given, py::handle ef, const std::string& tenant,
              const std::string& database) {
             ochre::GetCollectionOptions o;
             if (ef_given) o.embedding_function = ToEmbeddingFunction(ef);
             auto c = h.Get();
             return Wrap(Call([&] { return c->GetCollection(name, o, ToScope(tenant, database)); }));
           })
      .def("get_collection_by_id",
           [](ClientHandle& h, const std::string& id, bool ef_given, py::handle ef, const std::string& tenant,
              const std::string& database) {
             ochre::GetCollectionOptions o;
             if (ef_given) o.embedding_function = ToEmbeddingFunction(ef);
             auto c = h.Get();
             return Wrap(Call([&] { return c->GetCollectionById(id, o, ToScope(tenant, database)); }));
           })
      .def("list_collections",
           [](ClientHandle& h, std::optional<int64_t> limit, std::optional<int64_t> offset, const std::string& tenant,
              const std::string& database) {
             auto c = h.Get();
             auto infos = Call([&] { return c->ListCollections(limit, offset, ToScope(tenant, database)); });
             py::list out;
             for (const auto& i : infos) out.append(FromInfo(i));
             return out;
           })
      .def("count_collections",
           [](ClientHandle& h, const std::string& tenant, const std::string& database) {
             auto c = h.Get();
             return Call([&] { return c->CountCollections(ToScope(tenant, database)); });
           })
      .def("delete_collection",
           [](ClientHandle& h, const std::string& name, const std::string& tenant, const std::string& database) {
             auto c = h.Get();
             Call([&] { return c->DeleteCollection(name, ToScope(tenant, database)); });
           })
      .def("reset",
           [](ClientHandle& h) {
             auto c = h.Get();
             Call([&] { return c->Reset(); });
           })
      .def("create_tenant",
           [](ClientHandle& h, const std::string& name) {
             auto c = h.Get();
             Call([&] { return c->CreateTenant(name); });
           })
      .def("get_tenant",
           [](ClientHandle& h, const std::string& name) {
             auto c = h.Get();
             return Call([&] { return c->GetTenant(name); });
           })
      .def("create_database",
           [](ClientHandle& h, const std::string& name, const std::string& tenant) {
             auto c = h.Get();
             Call([&] { return c->CreateDatabase(name, tenant); });
           })
      .def("get_database",
           [](ClientHandle& h, const std::string& name, const std::string& tenant) {
             auto c = h.Get();
             return FromDatabase(Call([&] { return c->GetDatabase(name, tenant); }));
           })
      .def("delete_database",
           [](ClientHandle& h, const std::string& name, const std::string& tenant) {
             auto c = h.Get();
             Call([&] { return c->DeleteDatabase(name, tenant); });
           })
      .def("list_databases",
           [](ClientHandle& h, std::optional<int64_t> limit, std::optional<int64_t> offset, const std::string& tenant) {
             auto c = h.Get();
             auto dbs = Call([&] { return c->ListDatabases(limit, offset, tenant); });
             py::list out;
             for (const auto& d : dbs) out.append(FromDatabase(d));
             return out;
           })
      .def("checkpoint",
           [](ClientHandle& h) {
             auto c = h.Get();
             Call([&] { return c->Checkpoint(); });
           })
      .def("close", [](ClientHandle& h) { ReleaseWithoutGil(h.c); });

  m.def(
      "open_persistent",
      [](const std::string& path, bool allow_reset) {
        ochre::Settings s;
        s.allow_reset = allow_reset;
        std::unique_ptr<ochre::Client> c =
            Call([&] { return ochre::PersistentClient::Open(path, s); }, StatusContext::kOpen);
        return ClientHandle{std::shared_ptr<ochre::Client>(std::move(c))};
      },
      py::arg("path"), py::arg("allow_reset") = false);
  m.def(
      "open_ephemeral",
      [](bool allow_reset) {
        ochre::Settings s;
        s.allow_reset = allow_reset;
        std::unique_ptr<ochre::Client> c = Call([&] { return ochre::EphemeralClient::Open(s); });
        return ClientHandle{std::shared_ptr<ochre::Client>(std::move(c))};
      },
      py::arg("allow_reset") = false);
  m.def("version", [] { return std::string(ochre::Version()); });
  // ochredb.import_chroma(chroma_dir, path): `ochre import-chroma` as a function; a dict of figures.
  m.def(
      "import_chroma",
      [](const std::string& from, const std::string& path) {
        ochre::interop::chroma::ImportOptions o;
        o.from = from;
        o.path = path;
        ochre::interop::chroma::ImportReport r = Call([&] { return ochre::interop::chroma::ImportChroma(o); });
        py::list cols;
        for (const auto& c : r.collections) {
          py::dict d;
          d["tenant"] = c.tenant;
          d["database"] = c.database;
          d["name"] = c.name;
          d["records"] = c.records;
          d["vectors_from_hnsw"] = c.vectors_from_hnsw;
          d["queue_rows_replayed"] = c.queue_rows_replayed;
          cols.append(d);
        }
        py::dict out;
        out["records"] = r.records;
        out["tenants"] = r.tenants;
        out["databases"] = r.databases;
        out["collections"] = cols;
        return out;
      },
      py::arg("chroma_dir"), py::arg("path"));
  // ochredb.copy_collections(...): `ochre copy` as a function; the dict of its --json output.
  m.def(
      "copy_collections",
      [](const std::string& from, const std::string& to, const std::vector<std::string>& collections,
         const std::string& from_token, const std::string& to_token, const std::string& tenant,
         const std::string& database, const std::string& state_file) {
        ochre::interop::CopyOptions o;
        o.from = from;
        o.to = to;
        o.collections = collections;
        o.from_options = {tenant, database, from_token};
        o.to_options = {tenant, database, to_token};
        o.state_file = state_file;
        // Call releases the GIL while the copy runs.
        ochre::interop::CopyFigures f = Call([&] { return ochre::interop::Copy(o); });
        py::dict out;
        out["ok"] = true;
        out["collections"] = f.collections;
        out["records"] = f.records;
        out["already_present"] = f.already_present;
        out["batches"] = f.batches;
        out["batch_size"] = f.batch_size;
        out["resumed"] = f.resumed;
        return out;
      },
      py::arg("source"), py::arg("destination"), py::arg("collections"), py::arg("from_token"), py::arg("to_token"),
      py::arg("tenant"), py::arg("database"), py::arg("state_file"));
}

void BindCollection(py::module_& m) {
  py::class_<CollectionHandle>(m, "Collection")
      .def_property_readonly("id", [](const CollectionHandle& h) { return h.Get()->id(); })
      .def_property_readonly("name", [](const CollectionHandle& h) { return h.Get()->name(); })
      .def_property_readonly("metadata",
                             [](const CollectionHandle& h) { return FromOptionalMetadata(h.Get()->metadata()); })
      .def("info",
           [](const CollectionHandle& h) {
             auto c = h.Get();
             return FromInfo(Call([&] { return c->Info(); }));
           })
      .def("embedding_function_name",
           [](const CollectionHandle& h) -> py::object {
             auto ef = h.Get()->embedding_function();
             if (!ef) return py::none();
             return py::str(ef->Name());
           })
      .def("add",
           [](CollectionHandle& h, py::handle ids, py::handle embeddings, py::handle documents, py::handle metadatas,
              py::handle uris) {
             ochre::RecordBatch b = ToRecordBatch(ids, embeddings, documents, metadatas, uris);
             auto c = h.Get();
             Call([&] { return c->Add(b); });
           })
      .def("upsert",
           [](CollectionHandle& h, py::handle ids, py::handle embeddings, py::handle documents, py::handle metadatas,
              py::handle uris) {
             ochre::RecordBatch b = ToRecordBatch(ids, embeddings, documents, metadatas, uris);
             auto c = h.Get();
             Call([&] { return c->Upsert(b); });
           })
      .def("update",
           [](CollectionHandle& h, py::handle ids, py::handle embeddings, py::handle documents, py::handle metadatas,
              py::handle uris) {
             ochre::RecordBatch b = ToRecordBatch(ids, embeddings, documents, metadatas, uris);
             auto c = h.Get();
             Call([&] { return c->Update(b); });
           })
      .def("delete",
           [](CollectionHandle& h, py::handle ids, py::handle where, py::handle where_document,
              std::optional<int64_t> limit) {
             ochre::DeleteOptions o;
             o.ids = ToOptionalIds(ids);
             o.where = ToWhere(where);
             o.where_document = ToWhereDocument(where_document);
             o.limit = limit;
             auto c = h.Get();
             return Call([&] { return c->Delete(o); });
           })
      .def("get",
           [](const CollectionHandle& h, py::handle ids, py::handle where, py::handle where_document,
              std::optional<int64_t> limit, std::optional<int64_t> offset, py::handle include) {
             ochre::GetOptions o;
             o.ids = ToOptionalIds(ids);
             o.where = ToWhere(where);
             o.where_document = ToWhereDocument(where_document);
             o.limit = limit;
             o.offset = offset;
             o.include = ToInclude(include);
             auto c = h.Get();
             return FromGetResult(Call([&] { return c->Get(o); }));
           })
      .def("query",
           [](const CollectionHandle& h, py::handle query_embeddings, py::handle query_texts, int64_t n_results,
              py::handle ids, py::handle where, py::handle where_document, py::handle include) {
             ochre::QueryOptions o;
             if (!query_embeddings.is_none()) o.query_embeddings = ToMatrix(query_embeddings);
             if (!query_texts.is_none()) o.query_texts = ToStrings(query_texts);
             o.n_results = n_results;
             o.ids = ToOptionalIds(ids);
             o.where = ToWhere(where);
             o.where_document = ToWhereDocument(where_document);
             o.include = ToInclude(include);
             auto c = h.Get();
             return FromQueryResult(Call([&] { return c->Query(o); }));
           })
      .def("search", [](const CollectionHandle& h,
                        const std::string& request_json) { return SearchCollection(h.Get(), request_json); })
      .def("count",
           [](const CollectionHandle& h) {
             auto c = h.Get();
             return Call([&] { return c->Count(); });
           })
      .def("indexing_status",
           [](const CollectionHandle& h) {
             auto c = h.Get();
             ochre::IndexingStatus s = Call([&] { return c->GetIndexingStatus(); });
             py::dict out;
             out["num_indexed_ops"] = s.num_indexed_ops;
             out["num_unindexed_ops"] = s.num_unindexed_ops;
             out["total_ops"] = s.total_ops;
             out["op_indexing_progress"] = s.op_indexing_progress;
             return out;
           })
      .def("modify",
           [](CollectionHandle& h, std::optional<std::string> name, py::handle metadata, py::handle hnsw) {
             std::optional<ochre::Metadata> md;
             if (!metadata.is_none()) md = ToMetadata(metadata);
             std::optional<ochre::CollectionConfigurationUpdate> cfg = ToConfigUpdate(hnsw);
             auto c = h.Get();
             Call([&] { return c->Modify(name, md, cfg); });
           })
      .def("close", [](CollectionHandle& h) { ReleaseWithoutGil(h.c); });
}

}  // namespace
}  // namespace ochredb

PYBIND11_MODULE(_ochredb, m) {
  m.doc() = "OchreDB native layer; use the `ochredb` package.";
  ochredb::BindEmbeddingFunctions(m);
  ochredb::BindClient(m);
  ochredb::BindCollection(m);
  ochredb::BindTools(m);
  ochredb::BindSparse(m);
}
