// Copyright 2026 The OchreDB Authors.
//
// The server's log: one line per event on stderr, with a UTC timestamp and a level. Levels below the
// configured one are dropped. Never log request bodies, headers or tokens (RELIABILITY §4).
#pragma once

#include <string_view>

namespace ochre::server {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn"/"warning", "error", "off" (any case). False when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// Writes one line (thread-safe, one write call per line).
void Log(LogLevel level, std::string_view message);

}  // namespace ochre::server
