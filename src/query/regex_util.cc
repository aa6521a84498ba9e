// Copyright 2026 The OchreDB Authors.
#include "query/regex_util.h"

namespace ochre::query {

std::unique_ptr<RE2> CompileRegex(std::string_view pattern, std::string* error) {
  RE2::Options options;
  // Errors travel back to the caller as InvalidArgument; RE2 must not print them to stderr.
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    if (error != nullptr) *error = re->error();
    return nullptr;
  }
  return re;
}

}  // namespace ochre::query
