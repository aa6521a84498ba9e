// Copyright 2026 The OchreDB Authors.
//
// The `--config` file of `ochre run`: JSON (an object) or a YAML subset. The YAML subset is what a
// server config needs: `key: value` lines, `#` comments, quoted or plain scalars, and lists either
// inline (`[a, b]`) or as `- item` lines under the key. Nested maps (Chroma's own config has some,
// e.g. `sqlitedb:`) are skipped with a note, so a Chroma config file is accepted as it is.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"

namespace ochre::cli {

// Key → values (one value for a scalar). Keys are as written, with '-' turned into '_'.
using ConfigValues = std::map<std::string, std::vector<std::string>>;

struct ParsedConfig {
  ConfigValues values;
  std::vector<std::string> skipped;  // nested sections that were ignored
};

// InvalidArgument naming the line on a syntax error.
Result<ParsedConfig> ParseConfigText(std::string_view text);
// IOError when the file cannot be read.
Result<ParsedConfig> LoadConfigFile(const std::string& path);

}  // namespace ochre::cli
