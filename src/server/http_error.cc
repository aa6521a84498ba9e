// Copyright 2026 The OchreDB Authors.
#include "server/http_error.h"

#include "server/json_out.h"

namespace ochre::server {

HttpError HttpError::FromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return {500, "InternalError", "internal error: an ok status was reported as an error"};
    case StatusCode::kNotFound:
      return NotFound(status.message());
    case StatusCode::kAlreadyExists:
      return {409, "ChromaError", status.message()};
    case StatusCode::kInvalidArgument:
      return InvalidArgument(status.message());
    case StatusCode::kPermissionDenied:
      return Forbidden(status.message());
    case StatusCode::kResourceExhausted:
      // A request over a configured limit: the caller must change the request.
      return InvalidArgument(status.message());
    case StatusCode::kNotSupported:
      return {501, "ChromaError", status.message()};
    case StatusCode::kNoSpace:
      // Not a 503: retrying at once cannot succeed until space is freed. Nothing was written.
      return {507, "ChromaError", "The disk is full: the write was not applied; free space and retry"};
    case StatusCode::kLocked:
    case StatusCode::kReadOnly:
      // The database cannot take writes right now; the message names no path in these cases
      // only by accident, so it is replaced too.
      return {503, "ChromaError", "The database cannot accept writes at the moment; see the server log"};
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
    case StatusCode::kUnavailable:  // the server itself reaches no other server; a bug if seen
    case StatusCode::kCancelled:
      break;
  }
  return {500, "InternalError", "Internal error; see the server log"};
}

std::string HttpError::Body() const {
  JsonOut out;
  out.BeginObject();
  out.Key("error");
  out.String(name);
  out.Key("message");
  out.String(message);
  out.EndObject();
  return out.Take();
}

}  // namespace ochre::server
