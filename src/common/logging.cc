// Copyright 2026 The OchreDB Authors.
#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace ochre {

namespace {

// kOff + 1 means "not read from the environment yet".
constexpr uint8_t kUnset = static_cast<uint8_t>(LogLevel::kOff) + 1;
std::atomic<uint8_t> g_level{kUnset};

struct SinkState {
  std::mutex mu;
  LogSink sink;
};

SinkState& Sink() {
  // Leaked on purpose: logging may happen during static destruction.
  static SinkState* state = new SinkState();
  return *state;
}

LogLevel LevelFromEnvironment() {
  LogLevel level = LogLevel::kInfo;
  if (const char* env = std::getenv("OCHRE_LOG_LEVEL")) {
    if (!ParseLogLevel(env, &level)) level = LogLevel::kInfo;
  }
  return level;
}

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return 'D';
    case LogLevel::kInfo:
      return 'I';
    case LogLevel::kWarning:
      return 'W';
    case LogLevel::kError:
      return 'E';
    case LogLevel::kOff:
      break;
  }
  return '?';
}

std::string_view BaseName(const char* file) {
  std::string_view f(file);
  size_t slash = f.rfind('/');
  return slash == std::string_view::npos ? f : f.substr(slash + 1);
}

}  // namespace

LogLevel GetLogLevel() {
  uint8_t v = g_level.load(std::memory_order_relaxed);
  if (v == kUnset) {
    // Racing first calls compute the same value; whichever store wins is fine.
    v = static_cast<uint8_t>(LevelFromEnvironment());
    uint8_t expected = kUnset;
    g_level.compare_exchange_strong(expected, v, std::memory_order_relaxed);
    v = g_level.load(std::memory_order_relaxed);
  }
  return static_cast<LogLevel>(v);
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<uint8_t>(level), std::memory_order_relaxed); }

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  std::string t;
  for (char c : text) t += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (t == "debug" || t == "0") {
    *level = LogLevel::kDebug;
  } else if (t == "info" || t == "1") {
    *level = LogLevel::kInfo;
  } else if (t == "warn" || t == "warning" || t == "2") {
    *level = LogLevel::kWarning;
  } else if (t == "error" || t == "3") {
    *level = LogLevel::kError;
  } else if (t == "off" || t == "none" || t == "4") {
    *level = LogLevel::kOff;
  } else {
    return false;
  }
  return true;
}

void SetLogSink(LogSink sink) {
  SinkState& s = Sink();
  std::lock_guard<std::mutex> lock(s.mu);
  s.sink = std::move(sink);
}

void LogMessage(LogLevel level, const char* file, int line, std::string_view message) {
  LogSink sink;
  {
    // Copied out so a sink may log (or replace itself) without deadlocking.
    SinkState& s = Sink();
    std::lock_guard<std::mutex> lock(s.mu);
    sink = s.sink;
  }
  if (sink) {
    sink(level, message);
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}:{}] {}\n", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis, LevelLetter(level),
                                BaseName(file), line, message);
  // One write per line; a short write to stderr is finished, but errors are ignored: logging must
  // never turn into a failure of the operation being logged.
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

}  // namespace ochre
