// Copyright 2026 The OchreDB Authors.
#include "ochre/status.h"

namespace ochre {

namespace {
const std::string& EmptyString() {
  static const std::string* empty = new std::string();
  return *empty;
}
}  // namespace

Status::Status(StatusCode code, std::string message, InvalidKind kind) {
  if (code != StatusCode::kOk) rep_ = std::make_shared<const Rep>(Rep{code, kind, std::move(message)});
}

const std::string& Status::message() const { return rep_ ? rep_->message : EmptyString(); }

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += rep_->message;
  return out;
}

Status Status::WithContext(std::string_view prefix) const {
  if (ok()) return *this;
  std::string msg(prefix);
  msg += ": ";
  msg += rep_->message;
  return Status(rep_->code, std::move(msg), rep_->kind);
}

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kNoSpace:
      return "NoSpace";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kLocked:
      return "Locked";
    case StatusCode::kReadOnly:
      return "ReadOnly";
    case StatusCode::kNotSupported:
      return "NotSupported";
    case StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kCancelled:
      return "Cancelled";
  }
  return "Unknown";
}

}  // namespace ochre
