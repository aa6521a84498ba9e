// Copyright 2026 The OchreDB Authors.
//
// Metadata <-> compact JSON text, as stored in records.metadata_json and collections.metadata_json.
// A sparse vector is an object in Chroma's wire form: {"#type":"sparse_vector","indices":[...],
// "values":[...],"tokens"?:[...]} (no other value is an object, so databases written before sparse
// vectors read as they did). Ints stay ints and floats stay floats (a float is always written with a '.' or an
// exponent), so a round trip preserves every value's type and bits.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::storage {

inline constexpr const char* kSparseTypeKey = "#type";
inline constexpr const char* kSparseTypeValue = "sparse_vector";
// The wire/stored form of a sparse vector, and back (InvalidArgument on a malformed or invalid one,
// with Chroma's messages for the rules of ValidateSparseVector).
nlohmann::json SparseVectorToJson(const SparseVector& v);
Result<SparseVector> SparseVectorFromJson(const nlohmann::json& j);

// REQUIRES: no null (monostate) values; they are deletions, never stored.
std::string EncodeMetadata(const Metadata& metadata);
// Corruption when the text is not what EncodeMetadata writes.
Result<Metadata> DecodeMetadata(std::string_view json);

}  // namespace ochre::storage
