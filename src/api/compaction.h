// Copyright 2026 The OchreDB Authors.
//
// Compaction: gives back the space of dead vector rows (rows of deleted records, and the old rows
// of records whose embedding was updated) by writing the collection's next generation of files,
// vectors.<g+1>.f32 and hnsw.<g+1>.graph, holding only the live rows, and publishing it atomically.
//
//  1. Under the collection's write lock, briefly: the live rows (from the catalog) and the
//     committed row count C0.
//  2. Without the write lock (writers and readers go on with the current runtime): the live rows,
//     in row order, are appended to the new vector file and fdatasync'ed; a new HNSW graph is built
//     over them and its checkpoint written (temp, fsync, rename, fsync of the directory).
//  3. Under the write lock again: the rows committed after C0 that are still live are appended
//     (and fdatasync'ed), rows deleted since step 1 become tombstones; then ONE SQLite transaction
//     moves every live record to its new row and sets the generation and the row counts. Its commit
//     is the publish point. The runtime is swapped under the collection's PublishGuard (readers in
//     flight finish on the old one first), then the old generation's files are removed.
// A failure or crash before the commit leaves the database as it was: the new generation's files
// are removed (at once, or at the next load of the collection, which removes every file of a
// generation the catalog does not name). After the commit the new generation is complete.
//
// The graph of the new generation is the old graph remapped (index/hnsw/hnsw_compact.h): each live
// node keeps its level and live links, and the lists that lost links to dead nodes are repaired
// from the dead nodes' neighbors, several times faster than inserting every row again. The old
// graph's links are copied under the collection's index lock (the background indexer inserts
// under it), and the live rows the indexer had not reached are then inserted. When the old graph
// holds fewer than half of the live rows, or the remap fails, the graph is built afresh with
// HnswIndex::Insert.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "api/collection_state.h"
#include "ochre/collection.h"
#include "ochre/result.h"

namespace ochre::api {

class Engine;

// The automatic compaction starts when more than this fraction of a collection's committed rows
// are dead...
inline constexpr double kAutoCompactDeadFraction = 0.3;
// ...and at least this many rows are dead (small collections are not worth rewriting).
inline constexpr uint32_t kAutoCompactMinDeadRows = 1000;
// After a failed automatic compaction, the next waits for this many more committed rows.
inline constexpr uint32_t kAutoCompactRetryRows = 10000;

// True when the runtime's dead rows pass both thresholds above (and no retry back-off applies).
bool WantsAutoCompaction(const VectorRuntime& rt);

// Compacts one collection as described above. `cancel` (may be null) makes it give up early (the
// engine is closing): Aborted, with nothing changed. NotFound when the collection was deleted.
// A collection without dead rows is left as it is (the stats then show no change).
Result<CompactionStats> CompactCollection(Engine& engine, const std::shared_ptr<CollectionState>& state,
                                          const std::atomic<bool>* cancel);

}  // namespace ochre::api
