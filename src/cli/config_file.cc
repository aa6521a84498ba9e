// Copyright 2026 The OchreDB Authors.
#include "cli/config_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ochre::cli {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string NormalizeKey(std::string key) {
  for (char& c : key) {
    if (c == '-') c = '_';
  }
  return key;
}

// Removes a trailing comment (a '#' after whitespace, outside quotes).
std::string StripComment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return std::string(line.substr(0, i));
    }
  }
  return std::string(line);
}

std::string Unquote(std::string s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

std::vector<std::string> InlineList(const std::string& text) {
  std::vector<std::string> out;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::string v = Unquote(item);
    if (!v.empty()) out.push_back(v);
  }
  return out;
}

Result<ParsedConfig> ParseJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("the config file is not a valid JSON object");
  }
  ParsedConfig out;
  for (auto& [key, v] : j.items()) {
    std::vector<std::string> values;
    auto scalar = [](const nlohmann::json& x) { return x.is_string() ? x.get<std::string>() : x.dump(); };
    if (v.is_array()) {
      for (const auto& x : v) values.push_back(scalar(x));
    } else if (v.is_object()) {
      out.skipped.push_back(key);
      continue;
    } else if (!v.is_null()) {
      values.push_back(scalar(v));
    }
    out.values[NormalizeKey(key)] = std::move(values);
  }
  return out;
}

}  // namespace

Result<ParsedConfig> ParseConfigText(std::string_view text) {
  std::string trimmed = Trim(text);
  if (!trimmed.empty() && trimmed.front() == '{') return ParseJson(trimmed);
  ParsedConfig out;
  std::stringstream lines{std::string(text)};
  std::string raw;
  std::string open_key;  // a key whose value follows on indented lines
  bool skipping = false;
  int number = 0;
  while (std::getline(lines, raw)) {
    ++number;
    std::string line = StripComment(raw);
    if (Trim(line).empty() || Trim(line) == "---") continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    std::string body = Trim(line);
    if (indented) {
      if (skipping) continue;
      if (open_key.empty()) {
        return Status::InvalidArgument("config line " + std::to_string(number) + ": unexpected indentation");
      }
      if (body.rfind("- ", 0) == 0 || body == "-") {
        out.values[open_key].push_back(Unquote(body.substr(1)));
        continue;
      }
      // A nested map: not part of the subset; skip the whole section.
      out.values.erase(open_key);
      out.skipped.push_back(open_key);
      skipping = true;
      continue;
    }
    skipping = false;
    open_key.clear();
    size_t colon = body.find(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("config line " + std::to_string(number) + ": expected `key: value`");
    }
    std::string key = NormalizeKey(Trim(body.substr(0, colon)));
    std::string value = Trim(body.substr(colon + 1));
    if (value.empty()) {
      open_key = key;
      out.values[key] = {};
    } else if (value.front() == '[' && value.back() == ']') {
      out.values[key] = InlineList(value);
    } else {
      out.values[key] = {Unquote(value)};
    }
  }
  return out;
}

Result<ParsedConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read the config file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseConfigText(ss.str());
}

}  // namespace ochre::cli
