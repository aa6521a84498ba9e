// Copyright 2026 The OchreDB Authors.
//
// Random version-4 UUIDs (collection and database ids) and their validation.
#pragma once

#include <string>
#include <string_view>

namespace ochre {

// A new random UUID v4 in canonical lower-case form, e.g. "3f2b...-...".
std::string NewUuid();

// True for the canonical 8-4-4-4-12 hex form (any case, any version).
bool IsUuid(std::string_view text);

}  // namespace ochre
