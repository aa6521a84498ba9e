// Copyright 2026 The OchreDB Authors.
//
// Metadata <-> compact JSON text, as stored in records.metadata_json and collections.metadata_json.
// Ints stay ints and floats stay floats (a float is always written with a '.' or an exponent), so a
// round trip preserves every value's type and bits.
#pragma once

#include <string>
#include <string_view>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre::storage {

// REQUIRES: no null (monostate) values; they are deletions, never stored.
std::string EncodeMetadata(const Metadata& metadata);
// Corruption when the text is not what EncodeMetadata writes.
Result<Metadata> DecodeMetadata(std::string_view json);

}  // namespace ochre::storage
