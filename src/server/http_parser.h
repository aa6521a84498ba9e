// Copyright 2026 The OchreDB Authors.
//
// HTTP/1.1 request framing (RFC 9112), strict: the request line and header fields of one request,
// the Content-Length / chunked body rules, and the percent-decoding of the target. Pure functions
// over bytes, so every framing rule is unit-tested without a socket. What is refused, and why:
// - a Content-Length that is not 1*DIGIT (`-1`, ` 5`, empty, `0x10`, `+2`, `2, 2`), that overflows
//   64 bits, or that appears twice: 400 (a list or a sign is how request smuggling starts);
// - Content-Length with Transfer-Encoding, or a transfer coding other than `chunked`: 400 / 501;
// - a second Host header, a header value with a control character (NUL included), a name that is
//   not a token, whitespace before the colon, obsolete line folding, a bare CR or LF: 400;
// - a head over the size limit: 431; a request line over its limit: 414.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ochre::server {

struct HttpHeader {
  std::string name;  // lower-case
  std::string value;
};

struct HttpRequestHead {
  std::string method;
  std::string target;                              // as sent, e.g. "/api/v2/collections?limit=3"
  std::string path;                                // percent-decoded, without the query
  std::multimap<std::string, std::string> params;  // decoded query parameters
  int minor_version = 1;                           // HTTP/1.<minor>
  std::vector<HttpHeader> headers;
  bool has_content_length = false;
  uint64_t content_length = 0;
  bool chunked = false;
  bool keep_alive = true;  // from the version and the Connection header
  bool expect_continue = false;

  // The first value of a header (name in lower case), or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  bool HasBody() const { return chunked || content_length > 0; }
};

struct HttpParseError {
  int status = 400;
  std::string message;
};

struct HttpHeadLimits {
  size_t max_head_bytes = 64 * 1024;  // request line and headers together
  size_t max_request_line_bytes = 16 * 1024;
  size_t max_headers = 100;
};

// Where the head in `buf` ends (the index just past its blank line), 0 while it is incomplete.
// `scan_from` lets a caller resume the search after more bytes arrived. Leading blank lines (which
// RFC 9112 §2.2 lets a server skip) are part of the head.
size_t FindHeadEnd(std::string_view buf, size_t scan_from = 0);

// Parses a complete head (the bytes up to FindHeadEnd). False with *err on a framing error.
bool ParseRequestHead(std::string_view head, const HttpHeadLimits& limits, HttpRequestHead* out, HttpParseError* err);

// Decodes a chunked body incrementally. Feed() consumes what it can of `in` (returns how much),
// appends the data to *body and never lets it exceed `max_body` (then an error with status 413).
class ChunkedDecoder {
 public:
  enum class State { kMore, kDone, kError };
  size_t Feed(std::string_view in, size_t max_body, std::string* body, State* state, HttpParseError* err);

 private:
  enum class Step { kSize, kData, kDataEnd, kTrailer };
  Step step_ = Step::kSize;
  uint64_t remaining_ = 0;  // bytes left in the current chunk
  size_t trailer_bytes_ = 0;
};

// %XX decoding; with `plus_is_space` (query strings) '+' becomes ' '. False on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// The reason phrase for a status code ("OK", "Not Found", ...).
const char* ReasonPhrase(int status);

}  // namespace ochre::server
