// Copyright 2026 The OchreDB Authors.
//
// Collection.search(request_json) of the native module: Chroma's search request body
// ({"searches": [...], "read_level": ...}, as chromadb's Search.to_dict() gives each search) in, one
// dict per search out, with the content of the HTTP SearchResponse: {"ids": [...], "documents":
// [...] | None, "embeddings": [...] | None, "metadatas": [...] | None, "scores": [...] | None,
// "select": [...]} of plain Python objects. The Python Search DSL (ochredb.search) builds on it.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "ochre/collection.h"

namespace ochredb {

// Parses and runs the searches with the GIL released; raises the mapped OchreDB exception
// (InvalidArgument -> ValueError-like) on a bad request. REQUIRES the GIL.
pybind11::list SearchCollection(const std::shared_ptr<ochre::Collection>& collection, const std::string& request_json);

}  // namespace ochredb
