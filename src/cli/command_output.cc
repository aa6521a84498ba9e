// Copyright 2026 The OchreDB Authors.
#include "cli/command_output.h"

#include <nlohmann/json.hpp>
#include <string>

namespace ochre::cli {

int ExitCodeFor(const Status& error) {
  switch (error.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return 2;
    case StatusCode::kNotSupported:
      return 3;
    case StatusCode::kAlreadyExists:
      return 4;
    case StatusCode::kLocked:
      return 5;
    case StatusCode::kCorruption:
      return 6;
    case StatusCode::kPermissionDenied:
      return 7;
    case StatusCode::kCancelled:
      return 8;
    case StatusCode::kUnavailable:
      return 9;
    default:
      return 1;
  }
}

int ReportFailure(std::string_view command, const Status& error, bool json, std::FILE* out, std::FILE* err) {
  return ReportFailure(command, error, ExitCodeFor(error), json, out, err);
}

int ReportFailure(std::string_view command, const Status& error, int exit_code, bool json, std::FILE* out,
                  std::FILE* err) {
  if (json) {
    const nlohmann::json j = {{"ok", false}, {"exit_code", exit_code}, {"error", error.ToString()}};
    std::fprintf(out, "%s\n", j.dump().c_str());
  } else {
    std::fprintf(err, "ochre %.*s: %s\n", int(command.size()), command.data(), error.ToString().c_str());
  }
  return exit_code;
}

}  // namespace ochre::cli
