// Copyright 2026 The OchreDB Authors.
#include "cli/command_output.h"

#include <nlohmann/json.hpp>
#include <string>

namespace ochre::cli {

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
