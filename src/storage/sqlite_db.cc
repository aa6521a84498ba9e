// Copyright 2026 The OchreDB Authors.
#include "storage/sqlite_db.h"

#include <string>
#include <unordered_map>

#include "storage/page_checksum_vfs.h"
#include "storage/record_checksum.h"

namespace ochre::storage {

Status SqliteStatus(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  std::string msg(what);
  msg += ": ";
  if (rc == SQLITE_IOERR_DATA) {
    // Only the page checksum VFS reports it: a page whose bytes changed since they were written.
    const std::string failure = LastPageChecksumFailure(db);
    return Status::Corruption(msg + "catalog " + (failure.empty() ? "page fails its checksum" : failure));
  }
  msg += (db != nullptr) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Status::NoSpace(msg + " (the disk is full)");
    case SQLITE_READONLY:
      return Status::ReadOnly(msg);
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status::PermissionDenied(msg);
    case SQLITE_CANTOPEN:
      return Status::IOError(msg + " (cannot open the database file)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Locked(msg);
    case SQLITE_IOERR:
      return Status::IOError(msg);
    case SQLITE_NOMEM:
      return Status::ResourceExhausted(msg + " (out of memory)");
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(msg);
    case SQLITE_TOOBIG:
      return Status::InvalidArgument(msg + " (value too big)");
    default:
      return Status::Internal(msg);
  }
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindBlob(int index, const void* data, size_t size) {
  sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : BindNull(index);
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db_, "running a statement");
}

Status Statement::Run() {
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string_view Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), n) : std::string_view();
}

std::optional<std::string> Statement::ColumnOptionalString(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnString(col);
}

struct SqliteDb::Cache {
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements;
};

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, const SqliteOpenOptions& options) {
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  std::string target = options.in_memory ? ":memory:" : path;
  if (options.immutable) {
    // A URI, so that the file is read without the locking and WAL files a normal open creates.
    flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    std::string escaped;
    for (char c : path) {
      if (c == '%' || c == '?' || c == '#') {
        char buf[4];
        snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        escaped += buf;
      } else {
        escaped += c;
      }
    }
    target = "file:" + escaped + "?immutable=1";
  }
  const char* vfs = nullptr;
  if (options.page_checksums && !options.in_memory) {
    vfs = PageChecksumVfs();
    if (vfs == nullptr) return Status::Internal("cannot register the page checksum VFS (SQLite has no default VFS)");
  }
  int rc = sqlite3_open_v2(target.c_str(), &raw, flags, vfs);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(rc, raw, "opening " + target);
    sqlite3_close_v2(raw);
    return st;
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  sqlite3_extended_result_codes(raw, 1);
  OCHRE_RETURN_IF_ERROR(SqliteStatus(RegisterRecordChecksumFunctions(raw), raw, "registering SQL functions"));
  sqlite3_busy_timeout(raw, 2000);
  // No mmap (mmap_size=0): every page a connection had touched through a mapping stayed in the
  // process's RSS (89 MB of a 100k-record catalog after the server benchmark), while read() copies
  // from the OS page cache into the connection's bounded page cache (SQLite's default 2 MB) cost
  // the benchmark's queries and gets nothing measurable (docs/server.md).
  OCHRE_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=OFF; PRAGMA case_sensitive_like=ON; PRAGMA mmap_size=0;"));
  const bool writable = !options.in_memory && !options.read_only && !options.immutable;
  if (writable && options.page_checksums) {
    // The reserved bytes can be set only before the first page is written, which journal_mode=WAL
    // does on an empty database: so here, for a database with no page yet (in its file or its WAL).
    OCHRE_ASSIGN_OR_RETURN(Statement st, db->Prepare("PRAGMA page_count"));
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    const bool empty = row && st.ColumnInt(0) == 0;
    st = Statement();  // ends the read transaction
    if (empty) {
      int reserve = kPageTrailerBytes;
      OCHRE_RETURN_IF_ERROR(SqliteStatus(sqlite3_file_control(raw, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve), raw,
                                         "reserving page checksum bytes"));
    }
  }
  if (writable) OCHRE_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  return db;
}

SqliteDb::SqliteDb(sqlite3* db) : db_(db), cache_(std::make_unique<Cache>()) {}

SqliteDb::~SqliteDb() {
  cache_.reset();  // finalize statements before closing
  sqlite3_close_v2(db_);
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  return SqliteStatus(rc, db_, "executing SQL");
}

Result<Statement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "preparing a statement");
  return Statement(db_, stmt);
}

Result<Statement*> SqliteDb::Cached(std::string_view sql) {
  auto it = cache_->statements.find(std::string(sql));
  if (it != cache_->statements.end()) return it->second.get();
  OCHRE_ASSIGN_OR_RETURN(Statement st, Prepare(sql));
  auto owned = std::make_unique<Statement>(std::move(st));
  Statement* ptr = owned.get();
  cache_->statements.emplace(std::string(sql), std::move(owned));
  return ptr;
}

void SqliteDb::ResetStatements() {
  for (sqlite3_stmt* st = sqlite3_next_stmt(db_, nullptr); st != nullptr; st = sqlite3_next_stmt(db_, st)) {
    sqlite3_reset(st);
  }
}

Status SqliteDb::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status SqliteDb::Commit() { return Exec("COMMIT"); }
Status SqliteDb::Rollback() {
  if (sqlite3_get_autocommit(db_)) return Status::Ok();
  return Exec("ROLLBACK");
}

Result<int> ReservedBytesPerPage(SqliteDb* db) {
  // A read transaction, so that page 1 (or its newest copy in the WAL) has been read.
  {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db->Prepare("SELECT count(*) FROM sqlite_master"));
    OCHRE_RETURN_IF_ERROR(st.Run());
  }
  // The checksum VFS knows the header's value; SQLITE_FCNTL_RESERVE_BYTES would answer the larger
  // of it and the value requested for the next VACUUM.
  int reserve = -1;
  if (sqlite3_file_control(db->get(), "main", kPageChecksumFcntlReservedBytes, &reserve) == SQLITE_OK) return reserve;
  reserve = -1;  // -1: only read it
  OCHRE_RETURN_IF_ERROR(SqliteStatus(sqlite3_file_control(db->get(), "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve),
                                     db->get(), "reading the reserved bytes per page"));
  return reserve;
}

Result<bool> AddPageChecksums(SqliteDb* db) {
  OCHRE_ASSIGN_OR_RETURN(int reserve, ReservedBytesPerPage(db));
  if (reserve == kPageTrailerBytes) return false;
  if (reserve > kPageTrailerBytes) {
    return Status::NotSupported("the catalog's pages reserve " + std::to_string(reserve) +
                                " bytes each (SQLite can only add reserved bytes); its pages cannot carry checksums");
  }
  sqlite3* raw = db->get();
  // Leaving WAL mode needs an exclusive lock, which SQLite gets only when no other connection has the
  // database open (each holds a shared lock from its first read until it closes): a process of an
  // older build would go on writing pages without their checksum.
  {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db->Prepare("PRAGMA journal_mode=DELETE"));
    auto row = st.Step();
    const bool left_wal = row.ok() && *row && st.ColumnString(0) == "delete";
    st = Statement();
    if (!left_wal) {
      (void)db->Exec("PRAGMA journal_mode=WAL");
      return Status::Locked("the catalog is open in another process (" +
                            (row.ok() ? std::string("it stays in WAL mode") : row.status().ToString()) +
                            "); close it before adding page checksums. Nothing was changed");
    }
  }
  OCHRE_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  int want = kPageTrailerBytes;
  OCHRE_RETURN_IF_ERROR(SqliteStatus(sqlite3_file_control(raw, "main", SQLITE_FCNTL_RESERVE_BYTES, &want), raw,
                                     "reserving page checksum bytes"));
  // While VACUUM copies the unchecked pages into checked ones, pages are written with their
  // trailer and read unchecked. In WAL mode a crash before its commit leaves the old database.
  int on = 1;
  if (sqlite3_file_control(raw, "main", kPageChecksumFcntlConverting, &on) != SQLITE_OK) {
    return Status::Internal("the catalog is not open through the page checksum VFS");
  }
  Status vacuum = db->Exec("VACUUM");
  int off = 0;
  (void)sqlite3_file_control(raw, "main", kPageChecksumFcntlConverting, &off);
  OCHRE_RETURN_IF_ERROR(vacuum.WithContext("adding page checksums (VACUUM)"));
  OCHRE_RETURN_IF_ERROR(db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  OCHRE_ASSIGN_OR_RETURN(reserve, ReservedBytesPerPage(db));
  if (reserve != kPageTrailerBytes) {
    return Status::Internal("VACUUM left the catalog with " + std::to_string(reserve) + " reserved bytes per page");
  }
  return true;
}

}  // namespace ochre::storage
