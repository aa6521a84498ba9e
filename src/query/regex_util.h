// Copyright 2026 The OchreDB Authors.
//
// The one place that decides how a `$regex` pattern is compiled and matched, so that the parser
// (which rejects bad patterns), the reference evaluator and the SQL function ochre_regexp agree.
// Chroma runs patterns through the Rust `regex` crate; RE2 has the same linear-time design and
// nearly the same syntax (inline flags such as (?i), no look-around, no backreferences).
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

namespace ochre::query {

// Compiles `pattern` as UTF-8 with RE2's default limits. On failure returns null and sets *error to
// RE2's explanation.
std::unique_ptr<RE2> CompileRegex(std::string_view pattern, std::string* error);

// True when the pattern matches anywhere in `text` (an unanchored search, as Rust's is_match).
inline bool RegexSearch(const RE2& re, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

}  // namespace ochre::query
