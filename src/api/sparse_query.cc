// Copyright 2026 The OchreDB Authors.
//
// Collection::QuerySparse: the nearest records by a sparse-vector metadata key, from the in-memory
// sparse index (api/sparse_index.h), narrowed by ids / where / where_document, with Chroma's BM25
// inverse document frequency weighting when the key's schema index asks for it.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "api/collection_config.h"
#include "api/collection_impl.h"
#include "api/filtered_read.h"
#include "api/sparse_schema.h"
#include "query/filter_sql.h"
#include "query/metadata_index.h"
#include "query/where_parser.h"

namespace ochre::api {

namespace {

// The metadata keys a where filter compares.
void WhereKeys(const WhereNode& node, std::vector<const std::string*>* out) {
  if (node.kind == WhereNode::Kind::kCompare) {
    out->push_back(&node.key);
    return;
  }
  for (const auto& c : node.children) WhereKeys(c, out);
}

constexpr int64_t kMaxSparseResults = 100000;

}  // namespace

Result<SparseQueryResult> CollectionImpl::QuerySparse(const SparseQueryOptions& o) const {
  OCHRE_RETURN_IF_ERROR(Deleted());
  if (o.key.empty()) return Status::InvalidArgument("Expected a sparse vector key, got an empty string");
  if (o.n_results <= 0) {
    return Status::InvalidArgument("Number of requested results " + std::to_string(o.n_results) +
                                   ", cannot be negative, or zero.");
  }
  if (o.n_results > kMaxSparseResults) {
    return Status::InvalidArgument("Number of requested results " + std::to_string(o.n_results) +
                                   " is greater than the limit of " + std::to_string(kMaxSparseResults));
  }
  {
    Status valid = ValidateSparseVector(o.query);
    if (!valid.ok()) return Status::InvalidArgument("Invalid sparse vector in KNN query: " + valid.message());
  }
  if (o.where) OCHRE_RETURN_IF_ERROR(query::ValidateWhere(*o.where));
  if (o.ids && o.ids->empty()) return Status::InvalidArgument("Expected ids to be a non-empty list");

  EnsureDocumentIndex(o.where, o.where_document);
  for (int attempt = 0;; ++attempt) {
    OCHRE_ASSIGN_OR_RETURN(ReadContext ctx, BeginRead(/*runtime=*/false));
    Engine::ReaderLease& reader = *ctx.reader;
    const storage::CollectionRow& row = ctx.row;
    OCHRE_ASSIGN_OR_RETURN(auto config, CachedConfiguration(row.config_json));
    const SparseKeySchema schema = SparseKeyOf(config->schema_json, o.key);
    if (!schema.declared) {
      // Keys enter the schema as records write them (or as a schema given at creation names them).
      return Status::InvalidArgument("Knn on key '" + o.key +
                                     "': the collection has no sparse vectors under that key (no record holds one, "
                                     "and its schema declares no sparse_vector index for it)");
    }
    if (o.where) {
      std::vector<const std::string*> keys;
      WhereKeys(*o.where, &keys);
      for (const std::string* k : keys) {
        if (IsSparseVectorKey(config->schema_json, *k)) {
          return Status::InvalidArgument("Cannot filter on the sparse vector key '" + *k +
                                         "': a where clause compares strings, numbers and booleans only");
        }
      }
    }

    // The index view first, then one snapshot for every catalog read: an unchanged version at the
    // end means the index and the snapshot are of one committed state.
    // After a few attempts that raced with writers, the indexes are left aside: an index of this
    // read's snapshot alone is always right.
    const bool try_indexes = attempt < 4;
    SparseIndexSlot& slot = state_->sparse_index();
    SparseIndexSlot::View view;
    if (try_indexes) view = slot.Acquire(reader.get(), row.cid, row.write_seq);
    const bool from_slot = view.index != nullptr;
    const bool use_filter_index =
        try_indexes && o.where && !o.where_document && !o.ids && query::MetadataIndex::Supports(*o.where);
    FilterIndexSlot::View filter_view;
    if (use_filter_index) filter_view = state_->filter_index().Acquire(reader.get(), row.cid, row.write_seq);
    if (!view.damage.ok()) return view.damage;
    if (!filter_view.damage.ok()) return filter_view.damage;
    ReadSnapshot snapshot(reader->db());
    std::shared_ptr<const SparseIndex> index = view.index;
    if (!index) {
      // A write in progress (or a build that raced with one): an index of this snapshot alone.
      OCHRE_ASSIGN_OR_RETURN(auto built, SparseIndex::Build(reader->db(), row.cid));
      index = std::shared_ptr<const SparseIndex>(std::move(built));
    }

    std::optional<std::vector<int64_t>> allowed;  // ascending
    std::unordered_map<int64_t, std::string> id_of_rid;
    if (o.where || o.where_document || o.ids) {
      if (filter_view.index) {
        allowed = filter_view.index->Evaluate(*o.where);
      } else {
        query::RidQuery filter;
        if (o.where || o.where_document) {
          OCHRE_ASSIGN_OR_RETURN(filter,
                                 query::CompileFilter(row.cid, o.where ? &*o.where : nullptr,
                                                      o.where_document ? &*o.where_document : nullptr, row.fts_ready));
        }
        if (o.ids) {
          OCHRE_ASSIGN_OR_RETURN(auto records, reader->SelectRecords(row.cid, filter.sql, filter.params, &*o.ids, -1, 0,
                                                                     /*with_payload=*/false));
          allowed.emplace();
          for (auto& r : records) {
            allowed->push_back(r.rid);
            id_of_rid.emplace(r.rid, std::move(r.id));
          }
          std::sort(allowed->begin(), allowed->end());
          allowed->erase(std::unique(allowed->begin(), allowed->end()), allowed->end());
        } else {
          OCHRE_ASSIGN_OR_RETURN(allowed, query::FindRids(reader->db(), filter));
        }
      }
    }

    const SparseVector scaled = schema.bm25 ? index->IdfScaled(o.key, o.query) : o.query;
    std::vector<SparseIndex::Hit> hits = index->TopK(o.key, scaled, size_t(o.n_results), allowed ? &*allowed : nullptr);
    std::vector<int64_t> missing;
    for (const auto& h : hits) {
      if (!id_of_rid.count(h.rid)) missing.push_back(h.rid);
    }
    if (!missing.empty()) {
      std::sort(missing.begin(), missing.end());
      OCHRE_ASSIGN_OR_RETURN(auto records, reader->SelectRecordsByRids(row.cid, missing, /*with_payload=*/false));
      for (auto& r : records) id_of_rid.emplace(r.rid, std::move(r.id));
    }
    const bool consistent =
        (!from_slot || slot.StillValid(view)) && (!filter_view.index || state_->filter_index().StillValid(filter_view));
    if (!consistent) continue;  // a write began meanwhile: read again
    SparseQueryResult out;
    for (const auto& h : hits) {
      auto it = id_of_rid.find(h.rid);
      if (it == id_of_rid.end()) continue;  // not in this snapshot (cannot happen when consistent)
      out.ids.push_back(it->second);
      out.scores.push_back(h.score);
    }
    return out;
  }
}

}  // namespace ochre::api
