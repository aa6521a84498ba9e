// Copyright 2026 The OchreDB Authors.
//
// DecodeStoredMetadata: storage::DecodeMetadata's result, faster. A get of 1,000 records decodes
// 1,000 metadata objects, and the general JSON parser (a DOM, then the map) took half of its time.
// The stored text is what storage::EncodeMetadata writes: one compact object of ASCII keys and
// values (null-free; numbers, strings, homogeneous arrays). A direct parser reads that form; on
// anything else (whitespace, \u escapes, bytes >= 0x80, a mixed or empty array, a duplicate key,
// an integer that does not fit int64, malformed text) it hands the text to
// storage::DecodeMetadata, so the result is always exactly that function's.
#pragma once

#include <string_view>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::api {

Result<Metadata> DecodeStoredMetadata(std::string_view json);

}  // namespace ochre::api
