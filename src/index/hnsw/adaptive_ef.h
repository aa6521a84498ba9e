// Copyright 2026 The OchreDB Authors.
//
// The default beam width of a graph search (issue 13 §2). A fixed ef loses recall as the graph
// grows: with Chroma's default ef_search 100, recall@10 is about 0.99 at 100k rows but 0.83-0.84 at
// 1M (hnswlib, and so Chroma, the same). When a collection's ef_search was not set explicitly, the
// engine searches with AdaptiveEf(rows in the graph) instead; the rule and the measurements behind
// it are in adaptive_ef.cc.
#pragma once

#include <cstddef>

namespace ochre::index {

// The beam width for a graph of `nodes` nodes: `base` (the configured default ef_search) for small
// graphs, growing with the size beyond. Never below `base`; non-decreasing in `nodes`.
size_t AdaptiveEf(size_t nodes, size_t base);

}  // namespace ochre::index
