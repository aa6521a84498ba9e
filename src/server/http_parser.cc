// Copyright 2026 The OchreDB Authors.
#include "server/http_parser.h"

#include <algorithm>
#include <cctype>

namespace ochre::server {
namespace {

bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Fail(HttpParseError* err, int status, std::string message) {
  err->status = status;
  err->message = std::move(message);
  return false;
}

// Each comma-separated element of a list header (Connection, Transfer-Encoding), trimmed.
template <typename F>
void ForEachListElement(std::string_view value, F&& f) {
  size_t i = 0;
  while (i <= value.size()) {
    size_t j = value.find(',', i);
    if (j == std::string_view::npos) j = value.size();
    std::string_view item = TrimOws(value.substr(i, j - i));
    if (!item.empty()) f(item);
    i = j + 1;
  }
}

void ParseQuery(std::string_view query, std::multimap<std::string, std::string>* params) {
  size_t i = 0;
  while (i < query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    std::string_view pair = query.substr(i, j - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      // A malformed escape keeps the text as sent: the handler then refuses the value it cannot use.
      if (!PercentDecode(pair.substr(0, eq), true, &key)) key = std::string(pair.substr(0, eq));
      if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value)) {
        value = std::string(pair.substr(eq + 1));
      }
      params->emplace(std::move(key), std::move(value));
    }
    i = j + 1;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view HttpRequestHead::Get(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

bool HttpRequestHead::Has(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const HttpHeader& h) { return h.name == name; });
}

size_t FindHeadEnd(std::string_view buf, size_t scan_from) {
  // Skip the blank lines a client may send between requests.
  size_t start = 0;
  while (start + 1 < buf.size() && buf[start] == '\r' && buf[start + 1] == '\n') start += 2;
  size_t from = std::max(start, scan_from >= 3 ? scan_from - 3 : 0);
  size_t pos = buf.find("\r\n\r\n", from);
  return pos == std::string_view::npos ? 0 : pos + 4;
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool ParseRequestHead(std::string_view head, const HttpHeadLimits& limits, HttpRequestHead* out, HttpParseError* err) {
  *out = HttpRequestHead();
  if (head.size() > limits.max_head_bytes) return Fail(err, 431, "Request header fields too large");
  while (head.size() >= 2 && head[0] == '\r' && head[1] == '\n') head.remove_prefix(2);
  // Request line: method SP target SP HTTP/1.x
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return Fail(err, 400, "Malformed request line");
  std::string_view line = head.substr(0, eol);
  if (line.size() > limits.max_request_line_bytes) return Fail(err, 414, "Request URI too long");
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(err, 400, "Malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!std::all_of(method.begin(), method.end(), [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); })) {
    return Fail(err, 400, "Malformed request method");
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || (version[7] != '0' && version[7] != '1')) {
    if (version.substr(0, 5) == "HTTP/" && version.size() == 8 && version[5] >= '2' && version[5] <= '9') {
      return Fail(err, 505, "HTTP version not supported; use HTTP/1.1");
    }
    return Fail(err, 400, "Malformed HTTP version");
  }
  out->minor_version = version[7] - '0';
  for (unsigned char c : target) {
    if (c <= 0x20 || c == 0x7f) return Fail(err, 400, "Control character or space in the request target");
  }
  std::string_view origin = target;
  // The absolute form (RFC 9112 §3.2.2) names the same resource.
  if (origin.size() > 7 && (IEquals(origin.substr(0, 7), "http://") || IEquals(origin.substr(0, 8), "https://"))) {
    size_t slash = origin.find('/', origin.find("//") + 2);
    origin = slash == std::string_view::npos ? std::string_view("/") : origin.substr(slash);
  }
  if (origin.empty() || origin[0] != '/') {
    if (!(method == "OPTIONS" && origin == "*")) return Fail(err, 400, "The request target must be a path");
  }
  out->method = std::string(method);
  out->target = std::string(target);
  size_t q = origin.find('?');
  std::string_view raw_path = origin.substr(0, q);
  if (size_t hash = raw_path.find('#'); hash != std::string_view::npos) raw_path = raw_path.substr(0, hash);
  if (!PercentDecode(raw_path, false, &out->path)) return Fail(err, 400, "Malformed percent-escape in the path");
  if (q != std::string_view::npos) {
    std::string_view query = origin.substr(q + 1);
    if (size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
    ParseQuery(query, &out->params);
  }

  // Header fields.
  std::string_view rest = head.substr(eol + 2);
  int host_count = 0;
  int content_length_count = 0;
  bool close = false, keep_alive_token = false;
  std::string transfer_encoding;  // a copy: headers may reallocate
  int transfer_encoding_count = 0;
  while (!rest.empty()) {
    size_t end = rest.find("\r\n");
    if (end == std::string_view::npos) return Fail(err, 400, "Malformed header section");
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (field.empty()) break;  // the blank line
    if (field[0] == ' ' || field[0] == '\t') return Fail(err, 400, "Obsolete line folding is not accepted");
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return Fail(err, 400, "Malformed header field");
    std::string_view name = field.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); })) {
      return Fail(err, 400, "Malformed header name (no whitespace before the colon)");
    }
    std::string_view value = TrimOws(field.substr(colon + 1));
    for (unsigned char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return Fail(err, 400, "Control character in the value of header " + std::string(name));
      }
    }
    if (out->headers.size() >= limits.max_headers) return Fail(err, 431, "Too many header fields");
    out->headers.push_back({Lower(name), std::string(value)});
    const std::string& lname = out->headers.back().name;
    if (lname == "host") {
      if (++host_count > 1) return Fail(err, 400, "More than one Host header");
    } else if (lname == "content-length") {
      if (++content_length_count > 1) return Fail(err, 400, "More than one Content-Length header");
      if (value.empty() || value.size() > 19 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Fail(err, 400, "Invalid Content-Length: expected a decimal number of bytes");
      }
      uint64_t n = 0;
      for (char c : value) n = n * 10 + static_cast<uint64_t>(c - '0');  // 19 digits fit in 64 bits
      out->has_content_length = true;
      out->content_length = n;
    } else if (lname == "transfer-encoding") {
      ++transfer_encoding_count;
      transfer_encoding = out->headers.back().value;
    } else if (lname == "connection") {
      ForEachListElement(value, [&](std::string_view token) {
        if (IEquals(token, "close")) close = true;
        if (IEquals(token, "keep-alive")) keep_alive_token = true;
      });
    } else if (lname == "expect") {
      if (!IEquals(value, "100-continue")) return Fail(err, 417, "Only `Expect: 100-continue` is understood");
      out->expect_continue = out->minor_version >= 1;
    }
  }
  if (!rest.empty()) return Fail(err, 400, "Malformed header section");
  if (out->minor_version >= 1 && host_count == 0) return Fail(err, 400, "An HTTP/1.1 request needs a Host header");
  if (transfer_encoding_count > 0) {
    if (content_length_count > 0) {
      return Fail(err, 400, "Content-Length and Transfer-Encoding together are not accepted");
    }
    if (transfer_encoding_count > 1 || !IEquals(TrimOws(transfer_encoding), "chunked") || out->minor_version == 0) {
      return Fail(err, 501, "Only `Transfer-Encoding: chunked` is supported");
    }
    out->chunked = true;
  }
  out->keep_alive = out->minor_version >= 1 ? !close : (keep_alive_token && !close);
  return true;
}

size_t ChunkedDecoder::Feed(std::string_view in, size_t max_body, std::string* body, State* state,
                            HttpParseError* err) {
  size_t used = 0;
  *state = State::kMore;
  auto fail = [&](int status, std::string message) {
    *state = State::kError;
    err->status = status;
    err->message = std::move(message);
    return used;
  };
  while (used < in.size()) {
    std::string_view rest = in.substr(used);
    switch (step_) {
      case Step::kSize: {
        size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          if (rest.size() > 1024) return fail(400, "Malformed chunk size line");
          return used;
        }
        std::string_view line = rest.substr(0, eol);
        if (size_t semi = line.find(';'); semi != std::string_view::npos) line = line.substr(0, semi);  // extensions
        line = TrimOws(line);
        if (line.empty() || line.size() > 15) return fail(400, "Malformed chunk size");
        uint64_t n = 0;
        for (char c : line) {
          int v = HexValue(c);
          if (v < 0) return fail(400, "Malformed chunk size");
          n = n * 16 + static_cast<uint64_t>(v);
        }
        used += eol + 2;
        if (n == 0) {
          step_ = Step::kTrailer;
        } else {
          if (n > max_body || body->size() + n > max_body) return fail(413, "");
          remaining_ = n;
          step_ = Step::kData;
        }
        break;
      }
      case Step::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        body->append(rest.data(), take);
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) step_ = Step::kDataEnd;
        break;
      }
      case Step::kDataEnd:
        if (rest.size() < 2) return used;
        if (rest[0] != '\r' || rest[1] != '\n') return fail(400, "Malformed chunk: data not followed by CRLF");
        used += 2;
        step_ = Step::kSize;
        break;
      case Step::kTrailer: {
        size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
          if (trailer_bytes_ + rest.size() > 16 * 1024) return fail(400, "Chunked trailer too large");
          return used;
        }
        used += eol + 2;
        trailer_bytes_ += eol + 2;
        if (trailer_bytes_ > 16 * 1024) return fail(400, "Chunked trailer too large");
        if (eol == 0) {
          *state = State::kDone;
          return used;
        }
        for (unsigned char c : rest.substr(0, eol)) {
          if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(400, "Control character in a chunked trailer");
        }
        break;
      }
    }
  }
  return used;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return status < 300 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

}  // namespace ochre::server
