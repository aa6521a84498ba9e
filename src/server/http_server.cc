// Copyright 2026 The OchreDB Authors.
//
// The event loop. Why our own instead of cpp-httplib (which served until issue 15): httplib gives
// each connection a pool thread for as long as it stays open, so 2,000 idle keep-alive sockets or
// 60 slowloris senders held every worker and a normal request waited seconds; it sets SO_REUSEPORT
// (two servers shared a port); and it reads a body before its Content-Length is judged. Boost.Beast
// would do but brings Asio's build weight for what is here about 500 lines over epoll.
//
// Threads: one loop thread owns the connections (no locks on them); workers take complete requests
// from a queue, write the response themselves as far as the socket takes it (the client need not
// wait for the loop to wake: one thread hop less per request), and hand the rest, with the
// connection's next state, back through a completion queue and an eventfd.
// A connection is in one state at a time: reading a head, reading a body, at a worker, writing, or
// lingering (after a final response: our side shut, the client's remaining bytes read and dropped
// for a moment so that the response is not lost to a reset).
#include "server/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "server/http_exchange.h"
#include "server/log.h"

namespace ochre::server {
namespace {

using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr uint64_t kListenKey = 0;
constexpr uint64_t kWakeKey = 1;
constexpr auto kLinger = std::chrono::seconds(2);
constexpr auto kSweepEvery = std::chrono::milliseconds(200);
constexpr auto kDrainLimit = std::chrono::seconds(3);
constexpr size_t kReadChunk = 64 * 1024;

enum class ConnState { kHead, kBody, kWork, kWrite, kLinger };

// A connection's descriptor, shared with the worker that runs its request: the worker writes a
// small response itself (the client has it without waiting for the loop to wake). Both fields are
// guarded by Impl::mu, under which the loop closes the descriptor, so a worker never writes to a
// closed or reused one; and since the worker queues its completion under the same hold, the loop
// (which takes completions before it accepts) never sees a connection whose client has its answer
// as still busy.
struct ConnSocket {
  int fd = -1;
  bool open = true;
};
constexpr size_t kDirectWriteMax = 64 * 1024;  // larger responses are written by the loop

struct Conn {
  int fd = -1;
  std::shared_ptr<ConnSocket> socket;
  uint64_t id = 0;
  std::string peer;
  ConnState state = ConnState::kHead;
  uint32_t events = 0;  // registered with epoll
  std::string in;       // bytes read and not yet consumed
  size_t scanned = 0;   // how much of `in` FindHeadEnd has searched
  Clock::time_point idle_since;
  Clock::time_point request_start;  // first byte of the current request
  Clock::time_point last_progress;  // last read (body) or write
  Clock::time_point deadline;       // head or body (whole), linger
  HttpRequestHead head;
  Headers cors;
  std::string body;
  ChunkedDecoder chunks;
  std::string out;
  size_t out_off = 0;
  bool close_after = false;
  bool answered = false;  // at least one response written (an idle keep-alive connection, not a new one)
  bool detached = false;  // the client hung up while its request was at a worker
  size_t accounted = 0;   // body bytes counted in Impl::buffered_bodies
};

struct Task {
  uint64_t conn = 0;
  std::shared_ptr<ConnSocket> socket;  // null: the loop writes the response (bytes already queued)
  HttpRequestHead head;
  Headers cors;
  std::string body;  // plus kBodyPadding bytes
  size_t body_size = 0;
  Clock::time_point start;      // first byte of the request
  Clock::time_point submitted;  // the whole request in, handed to the workers
};

struct Completion {
  uint64_t conn = 0;
  std::string bytes;  // the response, of which the worker has sent the first `sent` bytes
  size_t sent = 0;
  bool close = false;
  int status = 0;
  std::string method, path;
  Clock::time_point start, submitted, finished;
};

Status BindListener(const std::string& host, int port, int* fd_out, int* port_out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  const char* node = host.empty() ? nullptr : host.c_str();
  if (int rc = getaddrinfo(node, service.c_str(), &hints, &res); rc != 0) {
    return Status::InvalidArgument("cannot resolve the listen address `" + host + "`: " + gai_strerror(rc));
  }
  std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + service;
  int last_errno = 0;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    // SO_REUSEADDR only: a restart may bind over TIME_WAIT sockets, but on Linux it never lets a
    // second listener share the port (SO_REUSEPORT would, splitting clients between databases).
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof(bound);
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      *port_out = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      *fd_out = fd;
      freeaddrinfo(res);
      return Status::Ok();
    }
    last_errno = errno;
    close(fd);
  }
  freeaddrinfo(res);
  if (last_errno == EADDRINUSE) {
    return Status::AlreadyExists("port " + service + " is in use (" + where +
                                 "): another server, perhaps another `ochre run`, is listening there");
  }
  return Status::IOError("cannot listen on " + where + ": " + std::strerror(last_errno));
}

std::string PeerName(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    port = ntohs(a->sin6_port);
  }
  return std::string(buf) + ":" + std::to_string(port);
}

int DefaultMaxConnections() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 10000;
  int64_t soft = static_cast<int64_t>(rl.rlim_cur);
  int64_t cap = soft - std::max<int64_t>(64, soft / 4);
  return static_cast<int>(std::clamp<int64_t>(cap, 16, 10000));
}

}  // namespace

struct HttpServer::Impl {
  Impl(Client* client, const ServerOptions& o) : options(o), exchange(client, o) {}
  ~Impl() {
    for (int fd : {listen_fd, epoll_fd, wake_fd, spare_fd}) {
      if (fd >= 0) close(fd);
    }
  }

  // Loop thread.
  void Loop();
  void AcceptAll();
  void OnEvent(Conn* c, uint32_t events);
  void ReadSome(Conn* c);
  void Advance(Conn* c);    // consume `in` as far as the state allows
  bool StartBody(Conn* c);  // false when the connection was closed
  void Submit(Conn* c);
  void Respond(Conn* c, HttpReply reply, const HttpRequestHead* head);
  void Flush(Conn* c);
  void AfterWrite(Conn* c);
  void SetInterest(Conn* c);
  void CloseConn(Conn* c, const char* why);
  void TakeCompletions();
  void Sweep(Clock::time_point now);
  bool EvictIdle();
  void Wake();
  // Keeps buffered_bodies current for `c`; false (and the request answered 503) over the budget.
  bool AccountBody(Conn* c);
  void ReleaseBody(Conn* c) {
    buffered_bodies -= c->accounted;
    c->accounted = 0;
  }

  // Workers.
  void Work();

  ServerOptions options;
  HttpExchange exchange;
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  int spare_fd = -1;  // closed to accept-and-refuse when the process is out of descriptors
  int port = 0;
  int max_connections = 0;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns;
  uint64_t next_id = 2;
  int at_work = 0;              // connections whose request is with a worker (loop thread)
  size_t buffered_bodies = 0;   // bytes of bodies being read, all connections (loop thread)
  std::vector<uint64_t> ready;  // connections with buffered bytes to parse (loop thread)

  std::mutex mu;
  std::condition_variable work_cv;
  std::deque<Task> tasks;
  std::vector<Completion> done;
  bool workers_stop = false;
  std::vector<std::thread> workers;

  std::atomic<bool> stop_requested{false};
  std::atomic<uint64_t> accepted{0}, refused{0}, evicted{0};
  std::atomic<int> open_count{0};
};

void HttpServer::Impl::Wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd, &one, sizeof(one));
}

void HttpServer::Impl::SetInterest(Conn* c) {
  if (c->detached) return;
  uint32_t want = 0;
  if (c->state == ConnState::kHead || c->state == ConnState::kBody || c->state == ConnState::kLinger) want |= EPOLLIN;
  if (c->out_off < c->out.size()) want |= EPOLLOUT;
  if (want == c->events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c->id;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = want;
}

bool HttpServer::Impl::AccountBody(Conn* c) {
  buffered_bodies += c->body.size() - c->accounted;
  c->accounted = c->body.size();
  if (buffered_bodies <= options.max_buffered_body_bytes) return true;
  HttpRequestHead head = c->head;
  Respond(c,
          exchange.FramingError(503, "The server is reading too many request bodies at once (" +
                                         std::to_string(options.max_buffered_body_bytes >> 20) + " MiB); retry later"),
          &head);
  return false;
}

void HttpServer::Impl::CloseConn(Conn* c, const char* why) {
  ReleaseBody(c);
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, "connection " + std::to_string(c->id) + " from " + c->peer + " closed: " + why);
  }
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
  {
    std::lock_guard<std::mutex> lock(mu);
    c->socket->open = false;
    close(c->fd);
  }
  open_count.fetch_sub(1);
  conns.erase(c->id);  // destroys *c
}

bool HttpServer::Impl::EvictIdle() {
  Conn* oldest = nullptr;
  Clock::time_point now = Clock::now();
  for (auto& [id, c] : conns) {
    // A connection just accepted has not had its chance to send yet (several may be accepted in one
    // go before any is read): only one that has been answered, or silent for a second, is idle.
    bool idle = c->state == ConnState::kHead && c->in.empty() && c->out.empty() &&
                (c->answered || now - c->idle_since > std::chrono::seconds(1));
    if (idle && (!oldest || c->idle_since < oldest->idle_since)) {
      oldest = c.get();
    }
  }
  if (!oldest) return false;
  evicted.fetch_add(1);
  CloseConn(oldest, "idle, closed to make room for a new connection");
  return true;
}

void HttpServer::Impl::AcceptAll() {
  // Connections whose responses are out become idle first: a client that has its answer and opens
  // another connection must find the first one idle (for the connection bound's eviction).
  TakeCompletions();
  for (int i = 0; i < 256; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
        // Out of descriptors: free the spare one to take the connection off the queue, and close it,
        // rather than leave it there to wake the loop forever.
        close(spare_fd);
        spare_fd = -1;
        int victim = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (victim >= 0) close(victim);
        refused.fetch_add(1);
        Log(LogLevel::kWarn, "out of file descriptors: a connection was refused (raise the open-file limit)");
        spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;  // EAGAIN, or an error that the next readiness reports again
    }
    accepted.fetch_add(1);
    bool over = static_cast<int>(conns.size()) >= max_connections && !EvictIdle();
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto conn = std::make_unique<Conn>();
    Conn* c = conn.get();
    c->fd = fd;
    c->socket = std::make_shared<ConnSocket>();
    c->socket->fd = fd;
    c->id = next_id++;
    c->peer = PeerName(addr);
    c->idle_since = Clock::now();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = c->id;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    c->events = EPOLLIN;
    conns.emplace(c->id, std::move(conn));
    open_count.fetch_add(1);
    if (LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, "connection " + std::to_string(c->id) + " opened from " + c->peer + " (" +
                                std::to_string(conns.size()) + " open)");
    }
    if (over) {
      refused.fetch_add(1);
      Log(LogLevel::kWarn, "connection limit of " + std::to_string(max_connections) + " reached: refusing " + c->peer);
      Respond(c,
              exchange.FramingError(503, "Too many open connections (the server's limit is " +
                                             std::to_string(max_connections) + "); retry later"),
              nullptr);
    }
  }
}

void HttpServer::Impl::OnEvent(Conn* c, uint32_t events) {
  uint64_t id = c->id;
  if (c->state == ConnState::kWork) {
    // Level-triggered HUP/ERR would wake the loop until the worker is done: stop watching.
    if (events & (EPOLLHUP | EPOLLERR)) {
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
      c->detached = true;
    }
    return;
  }
  if (events & EPOLLOUT) {
    Flush(c);
    if (!conns.count(id)) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (c->state == ConnState::kHead || c->state == ConnState::kBody || c->state == ConnState::kLinger) ReadSome(c);
  }
}

void HttpServer::Impl::ReadSome(Conn* c) {
  thread_local std::string buf(kReadChunk, '\0');
  // A few reads per readiness: one busy connection cannot hold the loop.
  for (int i = 0; i < 4; ++i) {
    ssize_t n = recv(c->fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      CloseConn(c, "read error");
      return;
    }
    if (n == 0) {
      CloseConn(c, c->state == ConnState::kLinger                  ? "closed by the client after the final response"
                   : c->in.empty() && c->state == ConnState::kHead ? "closed by the client"
                                                                   : "closed by the client mid-request");
      return;
    }
    if (c->state == ConnState::kLinger) continue;  // dropped
    Clock::time_point now = Clock::now();
    if (c->state == ConnState::kHead && c->in.empty()) c->request_start = now;
    c->last_progress = now;
    c->in.append(buf.data(), static_cast<size_t>(n));
    if (static_cast<size_t>(n) < buf.size()) break;
  }
  Advance(c);
}

void HttpServer::Impl::Advance(Conn* c) {
  for (;;) {
    if (c->state == ConnState::kHead) {
      if (c->in.empty()) return;
      if (c->scanned == 0) c->deadline = c->request_start + std::chrono::seconds(options.read_timeout_sec);
      size_t end = FindHeadEnd(c->in, c->scanned);
      HttpHeadLimits limits;
      if (end == 0) {
        c->scanned = c->in.size();
        if (c->in.size() > limits.max_head_bytes) {
          Respond(c, exchange.FramingError(431, "Request header fields too large"), nullptr);
        }
        return;
      }
      HttpParseError err;
      bool ok = ParseRequestHead(std::string_view(c->in).substr(0, end), limits, &c->head, &err);
      c->in.erase(0, end);
      c->scanned = 0;
      if (!ok) {
        Respond(c, exchange.FramingError(err.status, err.message), nullptr);
        return;
      }
      c->cors.clear();
      HttpReply reply;
      if (exchange.Screen(c->head, stop_requested.load(), &reply, &c->cors)) {
        for (auto& h : c->cors) reply.headers.push_back(h);
        Respond(c, std::move(reply), &c->head);
        return;
      }
      if (!StartBody(c)) return;
      continue;
    }
    if (c->state != ConnState::kBody) return;
    if (c->head.chunked) {
      ChunkedDecoder::State st;
      HttpParseError err;
      size_t used = c->chunks.Feed(c->in, options.max_body_bytes, &c->body, &st, &err);
      c->in.erase(0, used);
      if (!AccountBody(c)) return;
      if (st == ChunkedDecoder::State::kError) {
        Respond(c, exchange.FramingError(err.status, err.message), &c->head);
        return;
      }
      if (st == ChunkedDecoder::State::kMore) return;
    } else {
      size_t want = static_cast<size_t>(c->head.content_length) - c->body.size();
      size_t take = std::min(want, c->in.size());
      c->body.append(c->in, 0, take);
      c->in.erase(0, take);
      if (!AccountBody(c)) return;
      if (c->body.size() < c->head.content_length) return;
    }
    Submit(c);
    return;
  }
}

bool HttpServer::Impl::StartBody(Conn* c) {
  c->state = ConnState::kBody;
  c->body.clear();
  c->chunks = ChunkedDecoder();
  c->last_progress = Clock::now();
  c->deadline = c->last_progress + std::chrono::seconds(options.body_timeout_sec);
  // Grown as bytes arrive: a declared length is not memory until it is sent.
  c->body.reserve(std::min<size_t>(c->head.content_length, 1 << 20) + kBodyPadding);
  if (c->head.expect_continue && c->head.HasBody()) {
    uint64_t id = c->id;
    c->out += "HTTP/1.1 100 Continue\r\n\r\n";
    Flush(c);
    return conns.count(id) > 0;
  }
  return true;
}

void HttpServer::Impl::Submit(Conn* c) {
  ReleaseBody(c);
  Task t;
  t.conn = c->id;
  t.head = std::move(c->head);
  t.cors = std::move(c->cors);
  t.body_size = c->body.size();
  t.body = std::move(c->body);
  t.body.append(kBodyPadding, '\0');  // simdjson reads past the end: parse in place, no copy
  t.start = c->request_start;
  t.submitted = Clock::now();
  if (c->out_off >= c->out.size()) t.socket = c->socket;  // nothing of ours is still to be written
  c->head = HttpRequestHead();
  c->body = std::string();
  c->state = ConnState::kWork;
  ++at_work;
  SetInterest(c);
  {
    std::lock_guard<std::mutex> lock(mu);
    tasks.push_back(std::move(t));
  }
  work_cv.notify_one();
}

void HttpServer::Impl::Work() {
  for (;;) {
    Task t;
    {
      std::unique_lock<std::mutex> lock(mu);
      work_cv.wait(lock, [&] { return workers_stop || !tasks.empty(); });
      if (tasks.empty()) return;
      t = std::move(tasks.front());
      tasks.pop_front();
    }
    HttpReply reply;
    try {
      reply = exchange.Dispatch(t.head, t.body, t.body_size);
    } catch (const std::exception& e) {
      // Nothing in the server throws on purpose; this catches std::bad_alloc and library surprises.
      reply = exchange.FramingError(500, "Internal error; see the server log");
      reply.close = false;
      reply.log_detail = std::string("unexpected exception: ") + e.what();
    }
    for (auto& h : t.cors) reply.headers.push_back(std::move(h));
    bool keep = t.head.keep_alive && !reply.close && !stop_requested.load();
    Completion done_item;
    done_item.conn = t.conn;
    done_item.bytes = exchange.Serialize(&t.head, reply, keep);
    done_item.close = !keep;
    done_item.status = reply.status;
    done_item.method = std::move(t.head.method);
    done_item.path = std::move(t.head.path);
    done_item.start = t.start;
    done_item.submitted = t.submitted;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (t.socket && done_item.bytes.size() <= kDirectWriteMax) {
        // Write what the socket takes now; the loop writes the rest (and closes on an error).
        while (t.socket->open && done_item.sent < done_item.bytes.size()) {
          ssize_t n = send(t.socket->fd, done_item.bytes.data() + done_item.sent,
                           done_item.bytes.size() - done_item.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) break;
          done_item.sent += static_cast<size_t>(n);
        }
      }
      done_item.finished = Clock::now();
      done.push_back(std::move(done_item));
    }
    Wake();
  }
}

void HttpServer::Impl::TakeCompletions() {
  std::vector<Completion> ready;
  {
    std::lock_guard<std::mutex> lock(mu);
    ready.swap(done);
  }
  for (auto& d : ready) {
    --at_work;
    if (LogEnabled(LogLevel::kInfo)) {
      // The whole time since the request's first byte, and the server's own part of it: from the last
      // byte of the body to the response (a large body's transfer is the client's pace, not ours).
      double ms = std::chrono::duration<double, std::milli>(d.finished - d.start).count();
      double handling = std::chrono::duration<double, std::milli>(d.finished - d.submitted).count();
      char buf[96];
      std::snprintf(buf, sizeof(buf), " %d %.2fms (handled in %.3fms) ", d.status, ms, handling);
      auto it = conns.find(d.conn);
      // No query string, body, or header: ids and tokens stay out of the log.
      Log(LogLevel::kInfo, d.method + " " + d.path + buf + (it == conns.end() ? "-" : it->second->peer));
    }
    auto it = conns.find(d.conn);
    if (it == conns.end()) continue;
    Conn* c = it->second.get();
    if (c->detached) {
      CloseConn(c, "closed by the client before the response");
      continue;
    }
    if (d.sent == 0) {
      c->out += d.bytes;
    } else if (d.sent < d.bytes.size()) {
      c->out.append(d.bytes, d.sent, std::string::npos);
    }
    c->close_after = d.close;
    c->state = ConnState::kWrite;
    c->last_progress = Clock::now();
    Flush(c);
  }
}

void HttpServer::Impl::Respond(Conn* c, HttpReply reply, const HttpRequestHead* head) {
  bool keep = head && head->keep_alive && !reply.close && !stop_requested.load();
  if (LogEnabled(LogLevel::kInfo)) {
    Log(LogLevel::kInfo, (head ? head->method + " " + head->path : std::string("-")) + " " +
                             std::to_string(reply.status) + " " + c->peer);
  }
  c->out += exchange.Serialize(head, reply, keep);
  c->close_after = !keep;
  c->state = ConnState::kWrite;
  c->head = HttpRequestHead();
  ReleaseBody(c);
  c->body.clear();
  c->last_progress = Clock::now();
  Flush(c);
}

void HttpServer::Impl::Flush(Conn* c) {
  while (c->out_off < c->out.size()) {
    ssize_t n = send(c->fd, c->out.data() + c->out_off, c->out.size() - c->out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        SetInterest(c);
        return;
      }
      CloseConn(c, "write error");
      return;
    }
    c->out_off += static_cast<size_t>(n);
    c->last_progress = Clock::now();
  }
  c->out_off = 0;
  // An idle connection keeps no large buffer: 10,000 of them must not hold a response each.
  if (c->out.capacity() > 64 * 1024) {
    std::string().swap(c->out);
  } else {
    c->out.clear();
  }
  if (c->state == ConnState::kWrite) {
    AfterWrite(c);
  } else {
    SetInterest(c);
  }
}

void HttpServer::Impl::AfterWrite(Conn* c) {
  if (c->close_after) {
    shutdown(c->fd, SHUT_WR);
    c->state = ConnState::kLinger;
    c->deadline = Clock::now() + kLinger;
    c->in.clear();
    SetInterest(c);
    return;
  }
  c->state = ConnState::kHead;
  c->answered = true;
  c->scanned = 0;
  if (c->in.empty() && c->in.capacity() > 64 * 1024) std::string().swap(c->in);
  c->idle_since = Clock::now();
  c->request_start = c->idle_since;  // pipelined bytes already read start their request now
  SetInterest(c);
  // Bytes of a pipelined request: parsed by the loop, not here, so that a long pipeline of requests
  // answered at once does not recurse.
  if (!c->in.empty()) ready.push_back(c->id);
}

void HttpServer::Impl::Sweep(Clock::time_point now) {
  std::vector<std::pair<Conn*, int>> expired;  // 0: close, 408: answer
  for (auto& [id, cp] : conns) {
    Conn* c = cp.get();
    switch (c->state) {
      case ConnState::kHead:
        if (c->in.empty()) {
          if (now - c->idle_since > std::chrono::seconds(options.keep_alive_timeout_sec) || stop_requested) {
            expired.push_back({c, 0});
          }
        } else if (now > c->deadline) {
          expired.push_back({c, 408});
        }
        break;
      case ConnState::kBody:
        if (now > c->deadline || now - c->last_progress > std::chrono::seconds(options.read_timeout_sec)) {
          expired.push_back({c, 408});
        }
        break;
      case ConnState::kWrite:
        if (now - c->last_progress > std::chrono::seconds(options.write_timeout_sec)) expired.push_back({c, 0});
        break;
      case ConnState::kLinger:
        if (now > c->deadline) expired.push_back({c, 0});
        break;
      case ConnState::kWork:
        break;
    }
  }
  for (auto [c, status] : expired) {
    if (status == 0) {
      CloseConn(c, c->state == ConnState::kHead ? "idle" : "timed out");
    } else {
      const char* what = c->state == ConnState::kHead ? "Timed out waiting for the request headers"
                                                      : "Timed out waiting for the request body";
      HttpRequestHead head = c->head;
      Respond(c, exchange.FramingError(408, what), c->state == ConnState::kBody ? &head : nullptr);
    }
  }
}

void HttpServer::Impl::Loop() {
  std::vector<epoll_event> events(256);
  Clock::time_point last_sweep = Clock::now();
  Clock::time_point drain_deadline{};
  bool draining = false;
  for (;;) {
    int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      uint64_t key = events[i].data.u64;
      if (key == kListenKey) {
        if (!draining) AcceptAll();
      } else if (key == kWakeKey) {
        uint64_t v;
        [[maybe_unused]] ssize_t r = read(wake_fd, &v, sizeof(v));
      } else if (auto it = conns.find(key); it != conns.end()) {
        OnEvent(it->second.get(), events[i].events);
      }
    }
    TakeCompletions();
    while (!ready.empty()) {
      std::vector<uint64_t> batch;
      batch.swap(ready);
      for (uint64_t id : batch) {
        if (auto it = conns.find(id); it != conns.end() && it->second->state == ConnState::kHead) {
          Advance(it->second.get());
        }
      }
    }
    Clock::time_point now = Clock::now();
    if (stop_requested && !draining) {
      draining = true;
      drain_deadline = now + kDrainLimit;
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
      close(listen_fd);  // new connections are refused by the kernel from here on
      listen_fd = -1;
      Sweep(now);  // closes the idle connections at once
      last_sweep = now;
    }
    if (now - last_sweep >= kSweepEvery) {
      Sweep(now);
      last_sweep = now;
    }
    if (draining) {
      // A request whose head is in is answered: its body is still read, then it runs.
      bool busy = at_work > 0 || std::any_of(conns.begin(), conns.end(), [](const auto& kv) {
                    return kv.second->state == ConnState::kBody || kv.second->out_off < kv.second->out.size();
                  });
      if (!busy || now > drain_deadline) break;
    }
  }
  while (!conns.empty()) CloseConn(conns.begin()->second.get(), "server stopping");
}

HttpServer::Stats HttpServer::stats() const {
  Stats s;
  s.accepted = impl_->accepted.load();
  s.refused = impl_->refused.load();
  s.evicted = impl_->evicted.load();
  s.open = impl_->open_count.load();
  s.max_connections = impl_->max_connections;
  return s;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(Client* client, const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(client, options);
  OCHRE_RETURN_IF_ERROR(BindListener(options.host, options.port, &impl->listen_fd, &impl->port));
  impl->max_connections = options.max_connections > 0 ? options.max_connections : DefaultMaxConnections();
  impl->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  impl->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl->spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (impl->epoll_fd < 0 || impl->wake_fd < 0) return Status::IOError(std::string("epoll: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenKey;
  epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, impl->listen_fd, &ev);
  ev.data.u64 = kWakeKey;
  epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, impl->wake_fd, &ev);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

Status HttpServer::Serve() {
  Impl& s = *impl_;
  if (s.stop_requested || s.listen_fd < 0) return Status::Ok();
  int threads = s.options.threads > 0 ? s.options.threads
                                      : std::max(8, 4 * static_cast<int>(std::thread::hardware_concurrency()));
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.workers_stop = false;
  }
  for (int i = 0; i < threads; ++i) s.workers.emplace_back([&s] { s.Work(); });
  s.Loop();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.workers_stop = true;
  }
  s.work_cv.notify_all();
  for (auto& t : s.workers) t.join();
  s.workers.clear();
  s.tasks.clear();
  s.done.clear();
  return Status::Ok();
}

void HttpServer::Stop() {
  impl_->stop_requested = true;
  if (impl_->wake_fd >= 0) impl_->Wake();
}

}  // namespace ochre::server
