// Copyright 2026 The OchreDB Authors.
//
// Running compiled filters: the ochre_regexp SQL function behind $regex, and parameter binding.
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "query/filter_sql.h"
#include "query/regex_util.h"

namespace ochre::query {
namespace {

void RegexpFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2 || sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  auto* cached = static_cast<const RE2*>(sqlite3_get_auxdata(ctx, 0));
  std::unique_ptr<RE2> compiled;
  if (cached == nullptr) {
    const char* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    int pattern_bytes = sqlite3_value_bytes(argv[0]);
    std::string error;
    compiled = CompileRegex(std::string_view(pattern ? pattern : "", size_t(pattern_bytes)), &error);
    if (compiled == nullptr) {
      std::string msg = "ochre_regexp: invalid pattern: " + error;
      sqlite3_result_error(ctx, msg.c_str(), int(msg.size()));
      return;
    }
    cached = compiled.get();
  }
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  int text_bytes = sqlite3_value_bytes(argv[1]);
  bool match = RegexSearch(*cached, std::string_view(text ? text : "", size_t(text_bytes)));
  sqlite3_result_int(ctx, match ? 1 : 0);
  // Handed over last: SQLite may destroy the pattern inside set_auxdata (when out of memory).
  if (compiled != nullptr) {
    sqlite3_set_auxdata(ctx, 0, compiled.release(), [](void* p) { delete static_cast<RE2*>(p); });
  }
}

}  // namespace

Status RegisterSqlFunctions(sqlite3* db) {
  int rc = sqlite3_create_function_v2(db, "ochre_regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                      &RegexpFunction, nullptr, nullptr, nullptr);
  return storage::SqliteStatus(rc, db, "registering ochre_regexp");
}

void BindParams(storage::Statement* stmt, const std::vector<SqlParam>& params, int first_index) {
  for (size_t i = 0; i < params.size(); ++i) {
    int index = first_index + int(i);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            stmt->Bind(index, std::string_view(v));
          } else {
            stmt->Bind(index, v);
          }
        },
        params[i]);
  }
}

Result<std::vector<int64_t>> FindRids(storage::SqliteDb* db, const RidQuery& query) {
  OCHRE_ASSIGN_OR_RETURN(storage::Statement stmt, db->Prepare(query.sql + " ORDER BY rid"));
  BindParams(&stmt, query.params);
  std::vector<int64_t> rids;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    rids.push_back(stmt.ColumnInt(0));
  }
  return rids;
}

}  // namespace ochre::query
