// Copyright 2026 The OchreDB Authors.
//
// Status is the result of every fallible OchreDB call that returns no value. It carries a code and a
// message that says what was wrong and what to do about it. Nothing in OchreDB throws across a
// boundary: errors travel as Status (or Result<T>, see result.h) values.
//
// A Status is cheap to copy when ok (no allocation). It is safe to use from several threads as long
// as each thread works on its own copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ochre {

// Error codes. Persisted nowhere; the numeric values may change between releases.
enum class StatusCode : uint8_t {
  kOk = 0,
  kNotFound,           // missing collection, database, tenant, record
  kAlreadyExists,      // name taken (Chroma's UniqueConstraintError / 409)
  kInvalidArgument,    // bad input; see InvalidKind for the distinguishable kinds
  kCorruption,         // bytes on disk failed a check; the message names the file
  kIOError,            // the operating system refused a read, write or sync
  kNoSpace,            // ENOSPC / EDQUOT / SQLITE_FULL
  kPermissionDenied,   // EACCES / EPERM, or an operation the settings forbid (reset)
  kLocked,             // another process holds the database's LOCK
  kReadOnly,           // EROFS, or a handle latched read-only after a failed sync
  kNotSupported,       // e.g. a newer on-disk format, a feature we do not implement
  kResourceExhausted,  // a request over a configured limit
  kInternal,           // a bug: an invariant did not hold
  kUnavailable,        // another server (a copy's source or destination) cannot be reached
  kCancelled,          // stopped before it finished; what was done stays, and it can resume
};

// Finer kinds of kInvalidArgument that front ends map to distinct errors (Python's DuplicateIDError,
// dimension errors).
enum class InvalidKind : uint8_t {
  kGeneric = 0,
  kDuplicateId,
  kDimensionMismatch,
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // ok
  Status(StatusCode code, std::string message, InvalidKind kind = InvalidKind::kGeneric);

  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) { return Status(StatusCode::kAlreadyExists, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(StatusCode::kInvalidArgument, std::move(msg)); }
  static Status DuplicateId(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg), InvalidKind::kDuplicateId);
  }
  static Status DimensionMismatch(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg), InvalidKind::kDimensionMismatch);
  }
  static Status Corruption(std::string msg) { return Status(StatusCode::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(StatusCode::kNoSpace, std::move(msg)); }
  static Status PermissionDenied(std::string msg) { return Status(StatusCode::kPermissionDenied, std::move(msg)); }
  static Status Locked(std::string msg) { return Status(StatusCode::kLocked, std::move(msg)); }
  static Status ReadOnly(std::string msg) { return Status(StatusCode::kReadOnly, std::move(msg)); }
  static Status NotSupported(std::string msg) { return Status(StatusCode::kNotSupported, std::move(msg)); }
  static Status ResourceExhausted(std::string msg) { return Status(StatusCode::kResourceExhausted, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(StatusCode::kUnavailable, std::move(msg)); }
  static Status Cancelled(std::string msg) { return Status(StatusCode::kCancelled, std::move(msg)); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  InvalidKind invalid_kind() const { return rep_ ? rep_->kind : InvalidKind::kGeneric; }
  // The message alone, without the code's name. Empty when ok.
  const std::string& message() const;

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }

  // "InvalidArgument: Expected IDs to be unique ..." ("OK" when ok).
  std::string ToString() const;

  // Returns a copy whose message is `prefix + ": " + message()`; ok stays ok.
  Status WithContext(std::string_view prefix) const;

 private:
  struct Rep {
    StatusCode code;
    InvalidKind kind;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null when ok; immutable, so copies may share it
};

// The name of a code, e.g. "NotFound".
std::string_view StatusCodeName(StatusCode code);

}  // namespace ochre

// Propagates a non-ok Status to the caller.
#define OCHRE_RETURN_IF_ERROR(expr)                        \
  do {                                                     \
    ::ochre::Status ochre_status_tmp_ = (expr);            \
    if (!ochre_status_tmp_.ok()) return ochre_status_tmp_; \
  } while (0)
