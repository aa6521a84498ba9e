// Copyright 2026 The OchreDB Authors.
//
// A minimal leveled logger. Lines go to stderr, one write(2) each so lines of concurrent threads do
// not interleave:
//   2026-11-25T09:30:00.123Z W vector_file.cc:120] vectors file '...': dropped 3 uncommitted rows
// The level comes from the environment variable OCHRE_LOG_LEVEL (debug, info, warning, error, off;
// default info), read once at the first log call, or from SetLogLevel. Recovery actions (a torn tail
// truncated, a graph rebuilt) are logged at warning, so they are never silent by default.
//
// Usage, with fmt's format syntax (checked at compile time):
//   OCHRE_LOG_WARN("dropped {} uncommitted rows of '{}'", n, path);
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string_view>

namespace ochre {

enum class LogLevel : uint8_t { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

// The current threshold: messages below it are dropped.
LogLevel GetLogLevel();
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn"/"warning", "error", "off" (any case) or "0".."4"; false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* level);

inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel() && level != LogLevel::kOff; }

// Writes one line. Prefer the macros, which skip formatting when the level is disabled.
void LogMessage(LogLevel level, const char* file, int line, std::string_view message);

// Redirects lines (level and message, without the prefix) to `sink` instead of stderr, e.g. for a
// test that checks a recovery was logged. An empty function restores stderr.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;
void SetLogSink(LogSink sink);

}  // namespace ochre

#define OCHRE_LOG(level, ...)                                                     \
  do {                                                                            \
    if (::ochre::LogEnabled(level)) {                                             \
      ::ochre::LogMessage(level, __FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
    }                                                                             \
  } while (0)
#define OCHRE_LOG_DEBUG(...) OCHRE_LOG(::ochre::LogLevel::kDebug, __VA_ARGS__)
#define OCHRE_LOG_INFO(...) OCHRE_LOG(::ochre::LogLevel::kInfo, __VA_ARGS__)
#define OCHRE_LOG_WARN(...) OCHRE_LOG(::ochre::LogLevel::kWarning, __VA_ARGS__)
#define OCHRE_LOG_ERROR(...) OCHRE_LOG(::ochre::LogLevel::kError, __VA_ARGS__)
