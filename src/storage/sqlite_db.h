// Copyright 2026 The OchreDB Authors.
//
// Thin RAII over SQLite: a connection (SqliteDb) and prepared statements (Statement). Every SQLite
// result code is mapped to a Status in one place (SqliteStatus), so that a full disk reads NoSpace, a
// read-only file ReadOnly, a damaged file Corruption, and so on.
//
// Thread safety: a SqliteDb and its statements belong to one thread at a time (the caller holds a
// mutex). SQLite itself is built THREADSAFE=1.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ochre/result.h"
#include "ochre/status.h"

namespace ochre::storage {

// Maps an SQLite result code (and the connection's message) to a Status. `what` says what was being
// done ("committing a batch").
Status SqliteStatus(int rc, sqlite3* db, std::string_view what);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding: index is 1-based, as SQLite's.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);  // copied (SQLITE_TRANSIENT)
  Statement& BindBlob(int index, const void* data, size_t size);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::string>& text);
  Statement& Bind(int index, const std::optional<int64_t>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, int value) { return Bind(index, int64_t{value}); }

  // Steps once: true when a row is available, false when done; a Status on error.
  Result<bool> Step();
  // Steps until done, for statements that return no rows.
  Status Run();
  // Resets the statement and clears its bindings, for reuse.
  void Reset();

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  double ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int ColumnType(int col) const { return sqlite3_column_type(stmt_, col); }
  // Valid until the next Step/Reset.
  std::string_view ColumnText(int col) const;
  std::string ColumnString(int col) const { return std::string(ColumnText(col)); }
  std::optional<std::string> ColumnOptionalString(int col) const;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

struct SqliteOpenOptions {
  bool create = true;
  bool read_only = false;
  bool in_memory = false;  // ignore the path; a private in-memory database
  // Read the file as it is, creating no -wal/-shm files (SQLite's immutable=1). Read-only.
  bool immutable = false;
  // Open through the page checksum VFS (page_checksum_vfs.h): pages of a database with 8 reserved
  // bytes per page carry a checksum, written on every page write and checked on every page read (a
  // mismatch is Corruption naming the file and page). An empty database opened for writing gets the
  // 8 reserved bytes before its first page is written; an existing one keeps its layout
  // (AddPageChecksums converts it). The catalog sets it; other SQLite files (Chroma's) must not.
  bool page_checksums = false;
};

class SqliteDb {
 public:
  // Opens the database with WAL, synchronous=FULL, foreign_keys=OFF, a short busy timeout.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, const SqliteOpenOptions& options);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // A prepared statement kept for the connection's lifetime, keyed by its SQL text. The caller must
  // Reset() it (Statement::Reset) before use; returns a pointer owned by the SqliteDb.
  Result<Statement*> Cached(std::string_view sql);

  // Resets every statement of the connection, ending the read transaction a partly stepped
  // statement keeps open (which would pin an old WAL snapshot). Call when a lease ends.
  void ResetStatements();

  Status Begin();  // BEGIN IMMEDIATE
  Status Commit();
  Status Rollback();  // never fails loudly: used on error paths

  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  sqlite3* get() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db);
  sqlite3* db_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

// Gives the database of `db` (opened with page_checksums) 8 reserved bytes per page, so that every
// page carries a checksum, by rewriting it with VACUUM. Returns false when it has them already,
// true when it was converted. Locked when another connection (any process) has the database open,
// NotSupported when its pages reserve other than 0 or 8 bytes; on any error nothing is changed.
// REQUIRES: no transaction open on `db`; the caller keeps other writers out (the commit lock).
Result<bool> AddPageChecksums(SqliteDb* db);

// Reserved bytes per page of `db`'s main database as its header says (8 when its pages carry checksums).
Result<int> ReservedBytesPerPage(SqliteDb* db);

// Scoped transaction: BEGIN IMMEDIATE in Start(); rolls back in the destructor unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteDb* db) : db_(db) {}
  ~Transaction() {
    if (active_) (void)db_->Rollback();
  }
  Status Start() {
    OCHRE_RETURN_IF_ERROR(db_->Begin());
    active_ = true;
    return Status::Ok();
  }
  Status Commit() {
    active_ = false;
    return db_->Commit();
  }

 private:
  SqliteDb* db_;
  bool active_ = false;
};

}  // namespace ochre::storage
