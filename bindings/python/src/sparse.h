// Copyright 2026 The OchreDB Authors.
//
// Chroma's BM25 sparse embedding (include/ochre/bm25.h) as functions of the native module, for
// ochredb.utils.embedding_functions.ChromaBm25EmbeddingFunction: bm25_embed(texts, config_json)
// returns ochredb.base_types.SparseVector objects, computed with the GIL released.
#pragma once

#include <pybind11/pybind11.h>

namespace ochredb {

void BindSparse(pybind11::module_& m);

}  // namespace ochredb
