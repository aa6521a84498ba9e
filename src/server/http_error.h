// Copyright 2026 The OchreDB Authors.
//
// HttpError: what a failed request answers, as Chroma's server does: an HTTP status and a body
// {"error": <name>, "message": <text>} (CHROMA_SPEC §2.1). Engine Statuses map to Chroma's table in
// FromStatus; 5xx messages are replaced by a generic text so that bodies never carry file paths or
// SQL (RELIABILITY §4), and the original goes to the server log under the request's trace id.
#pragma once

#include <string>
#include <string_view>

#include "ochre/status.h"

namespace ochre::server {

struct HttpError {
  int status = 500;
  std::string name = "InternalError";
  std::string message;

  static HttpError InvalidArgument(std::string message) { return {400, "InvalidArgumentError", std::move(message)}; }
  // A body that parses but has the wrong types: axum's 422, which Chroma names ChromaError.
  static HttpError Unprocessable(std::string message) { return {422, "ChromaError", std::move(message)}; }
  static HttpError NotFound(std::string message) { return {404, "NotFoundError", std::move(message)}; }
  static HttpError Unauthorized(std::string message) { return {401, "ChromaError", std::move(message)}; }
  static HttpError Forbidden(std::string message) { return {403, "ChromaError", std::move(message)}; }

  // Chroma's status → name table. REQUIRES: !status.ok().
  static HttpError FromStatus(const Status& status);

  // {"error": name, "message": message}.
  std::string Body() const;
};

}  // namespace ochre::server
