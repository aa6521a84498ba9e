// Copyright 2026 The OchreDB Authors.
//
// Remapping an HNSW graph onto the live rows of a compacted collection, instead of building a new
// graph from scratch (which costs an ef_construction search per row and per level).
//
// Compaction keeps the live rows in their order and drops the dead ones: new row i is old row
// live[i]. RemapGraph gives every live node of the old graph its old level and its live links
// (renumbered), and repairs each list that lost links to dead nodes, as hnswlib's
// repairConnectionsForUpdate and FreshDiskANN's delete consolidation do. The candidates are the
// live neighbors of the node's dead neighbors (and of their dead neighbors, when one hop leaves
// fewer candidates than the list holds); of their ef_construction closest, the lost links are
// replaced, up to the list's old length, first by those the index's neighbor heuristic keeps
// (closer to the node than to every link already in the list, the live neighbors included), then
// by the closest others. The live neighbors all stay: pruning them by the heuristic thinned the
// graph and cost recall at a narrow beam. Each new link is then mirrored into its target's list
// when that has room, as an insert links back to its neighbors, so that nodes which only dead
// nodes linked to regain in-links. The entry point stays when it is live; otherwise the
// highest-level live node (the lowest row among them) becomes it.
//
// The level-0 graph is then walked from the entry point, and every node the walk misses is linked
// from its nearest reached neighbor (by the heuristic if it keeps the node, else in place of that
// neighbor's farthest link) until the walk reaches every node.
//
// The result depends only on the snapshot and the rows (never on thread timing): deterministic.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/row_chunks.h"
#include "index/hnsw/hnsw_index.h"
#include "ochre/result.h"

namespace ochre::index {

// A copy of an HNSW graph's links (rows below `rows`), taken so that the remap can work without
// holding the lock that keeps the graph's writers out.
struct GraphSnapshot {
  uint32_t m = 0;
  uint32_t rows = 0;
  std::vector<int8_t> level;     // per row; -1 when the row is not in the graph
  std::vector<uint64_t> offset;  // per row: its lists in `words`, level 0 first: [count | links] each
  std::vector<uint32_t> words;
  uint32_t entry = HnswGraph::kNone;
  int entry_level = -1;

  size_t nodes() const;
  // The node's list on `level` (REQUIRES level <= level[row]).
  std::span<const uint32_t> Links(uint32_t row, int level) const;
};

// Copies the links of the index's nodes below `rows` with the index's safe readers (per-node
// seqlocks). The copy is consistent only while no Insert runs: the caller keeps writers out (the
// collection's index lock).
GraphSnapshot SnapshotGraph(const HnswIndex& index, uint32_t rows);

struct RemappedGraph {
  std::unique_ptr<HnswIndex> index;
  // New rows that were not nodes of the snapshot (the indexer had not reached them): the caller
  // inserts them with HnswIndex::Insert.
  std::vector<uint32_t> missing;
  // Figures for the log and the tests.
  size_t repaired_lists = 0;  // lists that had lost a link to a dead node
  size_t relinked_nodes = 0;  // nodes the level-0 walk missed, linked in afterwards
};

// Builds the graph over `rows` (the compacted vectors: new row i holds old row live[i]; `live`
// ascending) from `old`. num_threads of `config` threads repair the lists. NotSupported when
// the snapshot was built with another M (the caller then builds afresh).
Result<RemappedGraph> RemapGraph(const GraphSnapshot& old, std::span<const uint32_t> live, const HnswConfig& config,
                                 const RowChunks* rows, HnswOptions options = {});

}  // namespace ochre::index
