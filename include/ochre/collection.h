// Copyright 2026 The OchreDB Authors.
//
// A Collection is a handle on one collection of records (id, embedding, document, metadata, uri).
// Handles are cheap and safe to share between threads: reads run in parallel, writes to one
// collection are serialized. A handle outlives its collection harmlessly: once the collection is
// deleted, every call returns NotFound "Collection [<uuid>] does not exist.".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ochre/embedding_function.h"
#include "ochre/result.h"
#include "ochre/search.h"
#include "ochre/status.h"
#include "ochre/types.h"
#include "ochre/where.h"

namespace ochre {

struct GetOptions {
  std::optional<std::vector<std::string>> ids;
  std::optional<WhereNode> where;
  std::optional<WhereDocumentNode> where_document;
  std::optional<int64_t> limit;   // none: all rows
  std::optional<int64_t> offset;  // none: 0
  Include include = Include::GetDefault();
};

struct QueryOptions {
  // Exactly one of the two: vectors, or texts embedded by the collection's embedding function.
  std::optional<FloatMatrix> query_embeddings;
  std::optional<std::vector<std::string>> query_texts;
  int64_t n_results = 10;
  std::optional<std::vector<std::string>> ids;
  std::optional<WhereNode> where;
  std::optional<WhereDocumentNode> where_document;
  Include include = Include::QueryDefault();
};

struct DeleteOptions {
  std::optional<std::vector<std::string>> ids;
  std::optional<WhereNode> where;
  std::optional<WhereDocumentNode> where_document;
  std::optional<int64_t> limit;  // only with where / where_document
};

// What a compaction did (Collection::Compact). Rows are vector rows (live and dead); bytes are those
// of the collection's vector and graph files (0 for an ephemeral client).
struct CompactionStats {
  int64_t rows_before = 0;
  int64_t rows_after = 0;
  int64_t live_rows = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
};

// How far the background indexer has got, as Chroma's IndexingStatus: ops are vector rows written
// (adds, and upserts and updates that bring an embedding); indexed ones are in the HNSW graph.
// Queries see every committed record whatever this says: rows the graph has not reached yet are
// scanned exactly.
struct IndexingStatus {
  int64_t num_indexed_ops = 0;
  int64_t num_unindexed_ops = 0;
  int64_t total_ops = 0;
  double op_indexing_progress = 1.0;  // num_indexed_ops / total_ops; 1 when there are none
};

// A nearest-neighbour search over a sparse-vector metadata key (Chroma's Knn on a sparse key):
// records whose `key` holds a sparse vector sharing a dimension with `query`, ranked by Chroma's
// measure 1 - dot(query, vector), ascending (ties in insertion order). When the collection's schema
// enables BM25 on the key's sparse vector index, the query's values are first weighted by their
// inverse document frequency over the collection, as Chroma does. ids / where / where_document
// narrow the candidates as in Query.
struct SparseQueryOptions {
  std::string key;
  SparseVector query;
  int64_t n_results = 10;
  std::optional<std::vector<std::string>> ids;
  std::optional<WhereNode> where;
  std::optional<WhereDocumentNode> where_document;
};

struct SparseQueryResult {
  std::vector<std::string> ids;
  std::vector<float> scores;  // best first; lower is better (1 - dot)
};

class Collection {
 public:
  virtual ~Collection() = default;

  virtual const std::string& id() const = 0;
  // The name and metadata as of the last Info()/Modify through this handle.
  virtual std::string name() const = 0;
  virtual std::optional<Metadata> metadata() const = 0;
  // A fresh description from the catalog.
  virtual Result<CollectionInfo> Info() const = 0;
  // The embedding function this handle embeds documents and query texts with (may be null).
  virtual std::shared_ptr<EmbeddingFunction> embedding_function() const = 0;

  // Adds records. Ids already in the collection are skipped (Chroma's semantics); a duplicate id
  // within the batch fails with DuplicateId. Records without embeddings are embedded from their
  // documents. The whole batch is validated first; a failed batch changes nothing.
  virtual Status Add(const RecordBatch& batch) = 0;
  // Inserts new ids, updates existing ones (metadata merged key by key; null deletes a key).
  virtual Status Upsert(const RecordBatch& batch) = 0;
  // Updates existing ids; missing ids are skipped.
  virtual Status Update(const RecordBatch& batch) = 0;
  // Deletes by ids and/or filters; returns Chroma's count (len(ids) by ids, matches by filter).
  virtual Result<int64_t> Delete(const DeleteOptions& options) = 0;

  // Records in insertion order, filtered, then offset and limit applied.
  virtual Result<GetResult> Get(const GetOptions& options) const = 0;
  // Nearest records per query vector, ascending distance (ties by id).
  virtual Result<QueryResult> Query(const QueryOptions& options) const = 0;
  // Nearest records by a sparse-vector metadata key (SparseQueryOptions).
  virtual Result<SparseQueryResult> QuerySparse(const SparseQueryOptions& options) const = 0;
  virtual Result<int64_t> Count() const = 0;
  // The graph's progress over the committed rows. NotFound when the collection was deleted.
  virtual Result<IndexingStatus> GetIndexingStatus() const = 0;
  // Chroma's Search API (include/ochre/search.h): per search, the ranked, grouped and paged records
  // with the selected columns, in the order of `searches`. Every search is validated before any
  // runs; InvalidArgument for a bad search (the message names it), DimensionMismatch for a dense
  // Knn of the wrong dimension. Reads only. The default implementation composes Query and Get.
  virtual Result<std::vector<SearchResult>> Search(const std::vector<SearchRequest>& searches) const;
  // The first `limit` records with embeddings, documents and metadatas.
  virtual Result<GetResult> Peek(int64_t limit = 10) const = 0;

  // Renames, replaces the metadata (whole, not merged), and/or changes the modifiable configuration
  // (ef_search, num_threads, batch_size, sync_threshold, resize_factor, max_neighbors).
  virtual Status Modify(const std::optional<std::string>& new_name, const std::optional<Metadata>& new_metadata,
                        const std::optional<CollectionConfigurationUpdate>& new_configuration) = 0;

  // Gives back the space of dead vector rows (deleted records, old embeddings of updated ones):
  // rewrites the vectors and the HNSW graph with only the live rows and publishes them atomically.
  // Reads and writes go on meanwhile; results are the same before and after. A failure (or a
  // crash) changes nothing. It also runs by itself once more than 30% of the rows (and at least
  // 1,000) are dead. Returns before/after figures; a collection without dead rows is left as is.
  virtual Result<CompactionStats> Compact() = 0;
};

}  // namespace ochre
