// Copyright 2026 The OchreDB Authors.
//
// Result<T> holds either a value or a non-ok Status: the shape of C++23 std::expected<T, Status>, so
// it can be replaced by it later. Use OCHRE_ASSIGN_OR_RETURN to unwrap and propagate.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "ochre/status.h"

namespace ochre {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok() (a Result made from a Status is an error).
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result<T> constructed from an ok Status");
    if (status_.ok()) status_ = Status::Internal("Result constructed from an ok Status");
  }
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ochre

#define OCHRE_CONCAT_INNER_(a, b) a##b
#define OCHRE_CONCAT_(a, b) OCHRE_CONCAT_INNER_(a, b)
#define OCHRE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// `OCHRE_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result or returns its Status.
#define OCHRE_ASSIGN_OR_RETURN(lhs, expr) \
  OCHRE_ASSIGN_OR_RETURN_IMPL_(OCHRE_CONCAT_(ochre_result_tmp_, __LINE__), lhs, expr)
