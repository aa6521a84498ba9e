// Copyright 2026 The OchreDB Authors.
#include "common/fault_injection.h"

#include <array>
#include <mutex>
#include <vector>

namespace ochre {

namespace {

struct ArmedFault {
  Fault fault;
  uint64_t seen = 0;  // matching calls so far
};

struct InjectorState {
  std::mutex mu;
  std::vector<ArmedFault> faults;
  std::array<uint64_t, static_cast<size_t>(FileOp::kCount)> calls{};
  bool counting = false;
};

InjectorState& State() {
  // Leaked on purpose: file I/O may still run during static destruction.
  static InjectorState* state = new InjectorState();
  return *state;
}

}  // namespace

std::atomic<bool> FaultInjector::active_{false};

std::string_view FileOpName(FileOp op) {
  switch (op) {
    case FileOp::kOpen:
      return "open";
    case FileOp::kRead:
      return "read";
    case FileOp::kWrite:
      return "write";
    case FileOp::kSync:
      return "sync";
    case FileOp::kAllocate:
      return "allocate";
    case FileOp::kTruncate:
      return "truncate";
    case FileOp::kRename:
      return "rename";
    case FileOp::kUnlink:
      return "unlink";
    case FileOp::kMkdir:
      return "mkdir";
    case FileOp::kMmap:
      return "mmap";
    case FileOp::kLock:
      return "lock";
    case FileOp::kCount:
      break;
  }
  return "unknown";
}

void FaultInjector::Add(Fault fault) {
  InjectorState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (fault.nth == 0) fault.nth = 1;
  s.faults.push_back(ArmedFault{std::move(fault), 0});
  active_.store(true, std::memory_order_relaxed);
}

void FaultInjector::Reset() {
  InjectorState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  s.faults.clear();
  s.calls.fill(0);
  s.counting = false;
  active_.store(false, std::memory_order_relaxed);
}

void FaultInjector::EnableCounting(bool on) {
  InjectorState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  s.counting = on;
  active_.store(on || !s.faults.empty(), std::memory_order_relaxed);
}

uint64_t FaultInjector::Calls(FileOp op) {
  InjectorState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.calls[static_cast<size_t>(op)];
}

FaultInjector::Decision FaultInjector::CheckSlow(FileOp op, std::string_view path) {
  InjectorState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.calls[static_cast<size_t>(op)];
  Decision decision;
  for (ArmedFault& armed : s.faults) {
    const Fault& f = armed.fault;
    if (f.op != op) continue;
    if (!f.path_contains.empty() && path.find(f.path_contains) == std::string_view::npos) continue;
    ++armed.seen;
    const bool fires = armed.seen == f.nth || (f.persistent && armed.seen > f.nth);
    // The first matching fault that fires decides; the others still count the call.
    if (fires && decision.error == 0 && !decision.short_write) {
      if (f.short_write && op == FileOp::kWrite) {
        decision.short_write = true;
      } else {
        decision.error = f.error;
      }
    }
  }
  return decision;
}

}  // namespace ochre
