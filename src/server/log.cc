// Copyright 2026 The OchreDB Authors.
//
// Lines are queued in memory and written by one background thread, so a slow or full stderr (a pipe
// nobody reads, a stalled terminal) never blocks a request thread or the event loop. The queue is
// bounded: past kMaxPendingBytes lines are dropped and counted, and the writer reports the count
// once it catches up.
#include "server/log.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace ochre::server {
namespace {

constexpr size_t kMaxPendingBytes = 4 << 20;

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
    case LogLevel::kOff:
      break;
  }
  return "";
}

std::string Stamped(std::string_view level, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm;
  gmtime_r(&t, &tm);
  char stamp[40];
  size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line(stamp, n);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03dZ ", ms);
  line += frac;
  line += level;
  line += ' ';
  line += message;
  line += '\n';
  return line;
}

void WriteAll(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t w = ::write(STDERR_FILENO, s.data() + off, s.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // stderr closed or broken: the line is lost, the server goes on
    off += size_t(w);
  }
}

// The queue and its writer thread. Never destroyed: the writer may still run while the process
// exits, and static destruction must not pull the queue from under it.
class LogQueue {
 public:
  static LogQueue& Get() {
    static LogQueue* q = new LogQueue();
    return *q;
  }

  void Push(std::string line) {
    std::unique_lock<std::mutex> lock(mu_);
    if (pending_bytes_ + line.size() > kMaxPendingBytes) {
      ++dropped_;
      dropped_total_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pending_bytes_ += line.size();
    lines_.push_back(std::move(line));
    if (!started_) {
      started_ = true;
      std::thread([this] { Run(); }).detach();
    }
    wake_.notify_one();
  }

  bool Flush(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return idle_.wait_for(lock, timeout, [this] { return lines_.empty() && !writing_ && dropped_ == 0; });
  }

  uint64_t dropped_total() const { return dropped_total_.load(std::memory_order_relaxed); }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return !lines_.empty() || dropped_ != 0; });
      std::string batch;
      while (!lines_.empty() && batch.size() < (64 << 10)) {
        batch += lines_.front();
        pending_bytes_ -= lines_.front().size();
        lines_.pop_front();
      }
      if (lines_.empty() && dropped_ != 0) {
        batch += Stamped("WARN", std::to_string(dropped_) + " log line(s) dropped: stderr was not being read");
        dropped_ = 0;
      }
      writing_ = true;
      lock.unlock();
      WriteAll(batch);  // may block on a full pipe: only this thread waits
      lock.lock();
      writing_ = false;
      if (lines_.empty() && dropped_ == 0) idle_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::string> lines_;
  size_t pending_bytes_ = 0;
  uint64_t dropped_ = 0;  // since the last report
  std::atomic<uint64_t> dropped_total_{0};
  bool started_ = false;
  bool writing_ = false;
};

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  std::string s;
  for (char c : text) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (s == "debug" || s == "trace") {
    *out = LogLevel::kDebug;
  } else if (s == "info") {
    *out = LogLevel::kInfo;
  } else if (s == "warn" || s == "warning") {
    *out = LogLevel::kWarn;
  } else if (s == "error") {
    *out = LogLevel::kError;
  } else if (s == "off" || s == "none") {
    *out = LogLevel::kOff;
  } else {
    return false;
  }
  return true;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level) || level == LogLevel::kOff) return;
  LogQueue::Get().Push(Stamped(LevelName(level), message));
}

bool FlushLog(std::chrono::milliseconds timeout) { return LogQueue::Get().Flush(timeout); }

uint64_t DroppedLogLines() { return LogQueue::Get().dropped_total(); }

}  // namespace ochre::server
