// Copyright 2026 The OchreDB Authors.
//
// Conversions between Python values and the engine's value types (metadata, embeddings, record
// batches, results). All of them REQUIRE the GIL. Errors on input raise Python's TypeError or
// ValueError (pybind11::type_error / value_error): chromadb's client-side validation has already
// run in Python, so these only catch what slipped past it.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "ochre/types.h"

namespace ochredb {

namespace py = pybind11;

ochre::Metadata ToMetadata(py::handle dict);
// ochredb.base_types.SparseVector (or chromadb's, or its wire-form dict) <-> ochre::SparseVector.
bool LooksLikeSparseVector(py::handle value);
ochre::SparseVector ToSparseVector(py::handle value, const std::string& key);
py::object FromSparseVector(const ochre::SparseVector& v);
py::dict FromMetadata(const ochre::Metadata& metadata);
py::object FromOptionalMetadata(const std::optional<ochre::Metadata>& metadata);

// A 2-D array or a sequence of equal-length sequences of numbers, as float32 rows. A C-contiguous
// float32 array is copied once with memcpy (the engine's FloatMatrix owns its rows); other dtypes
// and lists are converted by numpy in C.
ochre::FloatMatrix ToMatrix(py::handle embeddings);
// (rows, dim) float32 array that takes over the matrix's buffer (no copy).
py::array FromMatrix(ochre::FloatMatrix&& matrix);

std::vector<std::string> ToStrings(py::handle list);
std::vector<std::optional<std::string>> ToOptionalStrings(py::handle list);
std::vector<std::optional<ochre::Metadata>> ToOptionalMetadatas(py::handle list);

// Chromadb's include names; "data" is the Python layer's business and is ignored here.
ochre::Include ToInclude(py::handle list);

ochre::RecordBatch ToRecordBatch(py::handle ids, py::handle embeddings, py::handle documents, py::handle metadatas,
                                 py::handle uris);

// {"ids", "embeddings", "documents", "uris", "metadatas"}; unrequested fields are None.
py::dict FromGetResult(ochre::GetResult&& result);
// The same per query vector (lists of lists), plus "distances".
py::dict FromQueryResult(ochre::QueryResult&& result);

}  // namespace ochredb
