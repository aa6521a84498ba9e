// Copyright 2026 The OchreDB Authors.
//
// The server's log: one line per event on stderr, with a UTC timestamp and a level. Levels below the
// configured one are dropped. Never log request bodies, headers or tokens (RELIABILITY §4).
//
// Log never blocks on stderr: lines go to a bounded queue written by a background thread, so a pipe
// that nobody reads (a supervisor that stopped draining, a paused terminal) costs log lines, not
// requests. Dropped lines are counted and reported in the log once it catches up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace ochre::server {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn"/"warning", "error", "off" (any case). False when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// Queues one line (thread-safe; lines from different threads stay whole).
void Log(LogLevel level, std::string_view message);
// Waits until every queued line is written, at most `timeout`. False when it timed out.
bool FlushLog(std::chrono::milliseconds timeout);
// Lines dropped since the process started because the queue was full.
uint64_t DroppedLogLines();

}  // namespace ochre::server
