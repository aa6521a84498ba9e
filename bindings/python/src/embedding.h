// Copyright 2026 The OchreDB Authors.
//
// Embedding functions across the language boundary: a Python callable following chromadb's
// protocol (`__call__(self, input) -> list of vectors`, optional `name()`, `get_config()`,
// `default_space()`, `embed_query(input)`) wrapped as an ochre::EmbeddingFunction, and the
// engine's built-in functions exposed to Python as a callable class.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "ochre/embedding_function.h"

namespace ochredb {

namespace py = pybind11;

// The engine's own function (e.g. the hashing one), as the Python class `_ochredb.NativeEmbeddingFunction`.
struct NativeEmbeddingFunction {
  std::shared_ptr<ochre::EmbeddingFunction> fn;
};

// None -> null (no function); a NativeEmbeddingFunction -> the engine's object itself (no Python in
// the loop); any other callable -> a wrapper that calls it with the GIL held. REQUIRES: the GIL.
std::shared_ptr<ochre::EmbeddingFunction> ToEmbeddingFunction(py::handle ef);

void BindEmbeddingFunctions(py::module_& m);

}  // namespace ochredb
