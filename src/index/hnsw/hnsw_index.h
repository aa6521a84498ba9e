// Copyright 2026 The OchreDB Authors.
//
// HnswIndex: approximate nearest neighbors with a Hierarchical Navigable Small World graph
// (Malkov & Yashunin, 2016/2018): a multi-level proximity graph searched greedily from the top
// level down, with a beam of width ef on level 0, and neighbors chosen by the paper's heuristic
// (keep a candidate only if it is closer to the new node than to every neighbor already kept),
// which keeps links pointing in diverse directions and the graph navigable on clustered data.
//
// The graph is kept apart from the vectors: it reads rows from RowChunks (memory-mapped by the
// storage layer) and stores only links, levels, tombstones and, for cosine, one inverse norm per
// row (vectors stay unnormalized so that get returns them as given).
//
// Parameters come from HnswConfig (Chroma's names): max_neighbors = M (level 0 keeps 2M links),
// ef_construction, ef_search (when SearchParams.ef is 0 the beam is AdaptiveEf(graph size,
// ef_search): ef_search on small graphs, wider on large ones, index/hnsw/adaptive_ef.h; an explicit
// SearchParams.ef is used as given; either is raised to at least k), num_threads (threads of one
// Insert batch; 0 = the number of cores).
//
// Deleted rows stay in the graph and keep routing searches; they are never returned. A search
// with an allow-list explores through disallowed nodes too; when the allowed rows are few
// relative to the graph (by a cost estimate), it scans them exactly instead. Either way it returns
// min(k, allowed live rows) results.
//
// With HnswOptions::quantized_search, searches walk the graph on an SQ8 copy of the rows (a quarter
// of their bytes; index/hnsw/sq8.h) and re-rank their best candidates with exact distances (so do
// the scans that answer selective filters, over the copy). The copy is
// trained once the graph holds kQuantizerMinRows rows (searches are exact before that). It costs
// dim bytes per row (dim + 4 for l2), and LoadGraph rebuilds it from the vectors (reading them all)
// unless HnswOptions::defer_quantizer leaves that to TrainQuantizerIfNeeded.
//
// Thread safety: any number of concurrent Search calls alongside one writer (Insert, MarkDeleted,
// SaveGraph are serialized internally as well). Insert itself may use several threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_identity.h"
#include "common/row_chunks.h"
#include "index/distance/distance.h"
#include "index/exact_scan.h"
#include "index/hnsw/adaptive_ef.h"
#include "index/hnsw/chunked_array.h"
#include "index/hnsw/hnsw_graph.h"
#include "index/hnsw/sq8.h"
#include "index/hnsw/visited_pool.h"
#include "index/stable_array.h"
#include "index/vector_index.h"

namespace ochre::index {

class QueryDistance;

// Choices of the index itself (not Chroma's configuration).
struct HnswOptions {
  // Walk the graph on an SQ8 copy of the rows, then re-rank exactly (see above).
  bool quantized_search = false;
  // LoadGraph leaves the quantized copy to TrainQuantizerIfNeeded (the engine calls it from its
  // background indexer, so that opening a collection never reads every vector; searches walk the
  // float rows meanwhile).
  bool defer_quantizer = false;
  // With quantized_search: how many of the best candidates by quantized distance are re-ranked
  // with exact distances at least (and at least k; more while a candidate could still be among the
  // k best given the quantization error seen in the query); 0 re-ranks the whole beam. The re-ranked rows are read with
  // RowChunks::CopyRow (pread from a persistent store's file), so that a search, and the scan that
  // answers a selective filter, touch no mapped float row once the copy is trained: the float rows
  // need not stay resident (VectorStore::ReleaseResident).
  size_t rerank = 0;
  // The re-rank depth the engine uses (api::EngineHnswOptions; bench/ measures it as ochre-sq8).
  static constexpr size_t kEngineRerank = 24;
};

class HnswIndex final : public VectorIndex {
 public:
  // How a search with an allow-list is carried out. kAuto decides by cost; tests force the others.
  enum class FilterStrategy { kAuto, kGraph, kExact };

  // `rows` must outlive this index. max_neighbors below 2 is taken as 2, ef_construction below
  // max_neighbors as max_neighbors.
  HnswIndex(const HnswConfig& config, const RowChunks* rows, HnswOptions options = {});

  // Rows the graph holds before the quantized copy is trained (its ranges come from them).
  static constexpr size_t kQuantizerMinRows = 1024;
  ~HnswIndex() override;

  Space space() const override { return space_; }
  uint32_t dim() const override { return rows_->dim(); }

  // Adds the rows to the graph, with up to num_threads threads. Fails with InvalidArgument (and
  // adds nothing) when a row is not readable in the RowChunks. Rows already present are skipped.
  Status Insert(std::span<const uint32_t> rows) override;
  void MarkDeleted(uint32_t row) override;
  bool IsDeleted(uint32_t row) const override { return deleted_.Test(row); }
  size_t live_count() const override { return live_.load(std::memory_order_relaxed); }

  // The k nearest live (and allowed) rows, ascending by (distance, row). InvalidArgument when the
  // query is null.
  Result<std::vector<Neighbor>> Search(const float* query, const SearchParams& params) const override;
  Result<std::vector<Neighbor>> Search(const float* query, const SearchParams& params, FilterStrategy strategy) const;

  // The base of the default beam (Chroma's ef_search; modifiable).
  void set_ef_search(size_t ef) { ef_search_.store(ef, std::memory_order_relaxed); }
  size_t ef_search() const { return ef_search_.load(std::memory_order_relaxed); }
  // The beam width of a search whose SearchParams.ef is 0: AdaptiveEf(node_count(), ef_search()).
  size_t DefaultEf() const;
  void set_num_threads(int n) { num_threads_.store(n, std::memory_order_relaxed); }

  uint32_t max_neighbors() const { return graph_.m(); }
  uint32_t ef_construction() const { return ef_construction_; }
  // The graph covers rows below this (the largest inserted row + 1). After LoadGraph the caller
  // inserts the committed rows at or above it, and re-applies their tombstones.
  uint32_t covered_rows() const { return covered_rows_.load(std::memory_order_acquire); }
  // Rows in the graph, deleted or not.
  size_t node_count() const { return present_.count(); }
  // Bytes of graph links and per-row state, the quantized copy included (not the vectors).
  size_t MemoryBytes() const;
  // Bytes of the quantized copy alone (0 without quantized_search).
  size_t QuantizedBytes() const { return codes_.MemoryBytes(); }
  // True once searches walk on the quantized copy.
  bool quantized() const { return sq8_ready_.load(std::memory_order_acquire); }
  // True when quantized_search is on, the copy is not trained yet and the graph holds enough rows
  // to train it (kQuantizerMinRows).
  bool QuantizerPending() const;
  // Trains the quantized copy and encodes every row of the graph when QuantizerPending(); a writer
  // call (serialized with Insert), safe alongside searches.
  void TrainQuantizerIfNeeded();
  // Writer (the engine, after a commit; safe alongside Insert and searches): gives rows the graph
  // does not hold yet their quantized codes, so that ScanQuantized can answer for them. A no-op
  // until the copy is trained (training encodes every published row); encoded rows are skipped.
  void EncodeRows(std::span<const uint32_t> rows);
  // True once the copy is trained and every row set in `rows` has its codes.
  bool HasCodesFor(const RowBitmap& rows) const;
  // The k nearest of `rows` (deleted ones are the caller's to leave out) by a scan of the quantized
  // copy, re-ranked exactly (HnswOptions::rerank): the engine's scan of the rows the graph does not
  // hold yet, a quarter of the bytes of a float scan. InvalidArgument unless HasCodesFor(rows).
  Result<std::vector<Neighbor>> ScanQuantized(const float* query, size_t k, const RowBitmap& rows) const;
  // Waits (up to `max_ms`) until no search that reads the float rows through their mapping is
  // running: once quantized(), new searches read none, so the engine waits for the ones that began
  // before the copy was ready before it lets the rows go from resident memory.
  void WaitForFloatSearches(int max_ms) const;

 private:
  friend Status SaveGraph(const HnswIndex& index, std::string* out, const FileIdentity& identity);
  friend class HnswCompactor;  // fills a compacted collection's graph from the old one (hnsw_compact.cc)
  friend Result<std::unique_ptr<HnswIndex>> LoadGraph(const HnswConfig& config, const RowChunks* rows,
                                                      std::string_view bytes, HnswOptions options,
                                                      const FileIdentity& expected);
  using Candidate = std::pair<float, uint32_t>;

  float InvNorm(uint32_t row) const { return space_ == Space::kCosine ? inv_norms_[row] : 1.0f; }
  float DistanceTo(const QueryDistance& q, uint32_t row) const;
  float DistanceBetween(uint32_t a, uint32_t b) const;
  int RandomLevel(uint32_t row) const;
  // Greedy walk (beam 1) from the entry point down to level `stop` + 1; returns the closest node.
  // `Walk` gives the distances the walk goes by (exact, or on the quantized copy; hnsw_index.cc).
  template <typename Walk>
  Candidate GreedyDescend(const Walk& walk, uint32_t entry, int top, int stop, SearchScratch* s) const;
  // Beam search of width ef on one level from `entry`; leaves the best accepted nodes in s->results
  // (a max-heap). Nodes failing `accept` are explored but not kept.
  template <typename Walk, typename Accept>
  void SearchLayer(const Walk& walk, std::span<const Candidate> entry, int level, size_t ef, Accept accept,
                   SearchScratch* s) const;
  // The graph search from the entry point with beam ef; leaves the beam in s->results.
  template <typename Walk>
  void SearchGraph(const Walk& walk, HnswGraph::Entry e, size_t ef, const RowBitmap* allow, SearchScratch* s) const;
  // Writer: learns the quantizer's ranges from the graph's rows and `incoming` (about to be
  // inserted), encodes the graph's rows and then lets searches use the copy.
  void TrainQuantizer(std::span<const uint32_t> incoming);
  // REQUIRES codes_mu_ (or no concurrent encoder).
  void EncodeRow(uint32_t row, float inv_norm);
  // Encodes a row unless it already is (a row the engine encoded after its commit).
  void EnsureEncoded(uint32_t row, float inv_norm);
  // The inverse norm of a row's floats for cosine (computed: rows outside the graph have no stored
  // one), else 1.
  float RowInvNorm(const float* row) const;
  // The stored inverse norm of a graph row, else RowInvNorm of its `values`.
  float StoredOrRowInvNorm(uint32_t row, const float* values) const;
  // The paper's neighbor heuristic over `cands` (sorted ascending by distance to the base node).
  void SelectNeighbors(std::vector<Candidate>* cands, uint32_t max) const;
  void InsertNode(uint32_t row, SearchScratch* s);
  // Adds `neighbor` to node's list at `level`, re-selecting by the heuristic when the list is full.
  void LinkBack(uint32_t node, uint32_t neighbor, float distance, int level, std::vector<Candidate>* buf,
                std::vector<uint32_t>* ids_buf);
  // The k best allowed live rows by a scan: of the float rows when `quantized` is false or the
  // copy is not trained, else of the quantized copy, re-ranked exactly (see HnswOptions::rerank).
  std::vector<Neighbor> ExactSearch(const QueryDistance& q, const float* query, size_t k, const RowBitmap* allow,
                                    bool quantized) const;
  // The scan of rows in `present` (and `allow`, below high_water) for the k best, deleted ones left out.
  ScanInput ScanOver(const QueryDistance& q, const ConcurrentRowSet* present, const RowBitmap* allow,
                     uint32_t high_water, size_t k) const;
  // That scan on the quantized copy, its k best re-ranked exactly (the copy must be trained).
  std::vector<Neighbor> ScanCopyAndRerank(const QueryDistance& q, const float* query, ScanInput in, size_t k) const;
  // The k best of `candidates` (approximate distances) by exact distance, ascending by (distance,
  // row): re-ranks the likeliest HnswOptions::rerank (at least k), then more while one could still
  // enter the k best given the quantization error seen (hnsw_index.cc).
  std::vector<Neighbor> Rerank(const QueryDistance& q, std::vector<Neighbor> candidates, size_t k) const;
  bool PreferExact(const SearchParams& params, size_t ef) const;

  const Space space_;
  const RowChunks* const rows_;
  const uint32_t ef_construction_;
  const double level_mult_;
  const DistanceKernels& kernels_;
  const HnswOptions options_;
  std::atomic<size_t> ef_search_;
  std::atomic<int> num_threads_;

  HnswGraph graph_;
  ConcurrentRowSet present_;
  ConcurrentRowSet deleted_;
  StableArray<float> inv_norms_;  // cosine only; written before the row is linked
  std::atomic<uint32_t> covered_rows_{0};
  std::atomic<size_t> live_{0};
  Sq8Quantizer sq8_;             // written once, before sq8_ready_ is set
  ChunkedArray<uint8_t> codes_;  // a row's codes are written before it is linked or scanned
  ConcurrentRowSet encoded_;     // rows whose codes are written (set after them)
  std::mutex codes_mu_;          // serializes encoders and the growth of codes_ and encoded_
  std::atomic<bool> sq8_ready_{false};
  mutable std::atomic<int> float_searches_{0};  // searches reading float rows through the mapping
  mutable VisitedPool pool_;
  mutable std::mutex write_mutex_;  // serializes Insert, MarkDeleted and SaveGraph
};

// An empty HNSW index over one collection's vectors. `rows` must outlive it.
std::unique_ptr<HnswIndex> MakeHnswIndex(const HnswConfig& config, const RowChunks* rows, HnswOptions options = {});

// Serializes the graph (links, levels, tombstones, entry point and parameters; not the vectors)
// into *out, replacing its contents. The format is docs/format/graph.md. Writing the bytes to a
// file (atomically) is the caller's job. Safe alongside searches; waits for a running Insert.
// `identity` (format version 2) ties the file to its collection and generation.
Status SaveGraph(const HnswIndex& index, std::string* out, const FileIdentity& identity = {});

// Rebuilds an index from SaveGraph's bytes over the same vectors. Every field is checked: bad
// magic, checksum, sizes, a link out of range, parameters that do not match `config` or `rows`
// (dim, space, M) or a graph covering rows that `rows` lacks give Corruption naming the problem
// (NotSupported for a newer format version); the bytes are never trusted. The caller then inserts
// the rows at or above covered_rows() and, on any error, rebuilds from the vectors. With
// options.quantized_search the quantized copy is rebuilt from the vectors (it is not in the file).
// A version 2 graph of another collection or generation than `expected` (when known) is
// Corruption naming both; version 1 graphs (no identity) still load.
Result<std::unique_ptr<HnswIndex>> LoadGraph(const HnswConfig& config, const RowChunks* rows, std::string_view bytes,
                                             HnswOptions options = {}, const FileIdentity& expected = {});

}  // namespace ochre::index
