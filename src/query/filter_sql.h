// Copyright 2026 The OchreDB Authors.
//
// Compiles `where` / `where_document` filters into one SQL SELECT over the catalog schema
// (storage/schema.h) that returns the rids of the matching records of one collection. The SQL
// evaluates exactly what filter_eval.h's Matches evaluates; the differential test
// (tests/query/filter_sql_test.cc) holds the two together.
//
// Shape of the SQL: every predicate is a set of rids read from an index (metadata_by_value,
// metadata_array_by_value, the FTS5 trigram table), combined with INTERSECT / UNION / EXCEPT. A
// negation ($ne, $nin, $not_contains, $not_regex) is the collection's rids EXCEPT the positive form,
// which is how it also matches records without the key or the document. A selective filter thus
// touches only the index entries it selects, whatever the collection's size.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ochre/result.h"
#include "ochre/status.h"
#include "ochre/where.h"
#include "storage/sqlite_db.h"

namespace ochre::query {

using SqlParam = std::variant<int64_t, double, std::string>;

struct RidQuery {
  // A complete SELECT of one column, `rid`, of the form
  //   [WITH f0 AS (...), ...] SELECT DISTINCT rid FROM (...)   (or, unfiltered, the collection's rids)
  // without ORDER BY, so a caller may append " ORDER BY rid LIMIT ? OFFSET ?" or use it as a
  // subquery (`rid IN (<sql>)`). Each rid appears once. Placeholders are numbered ?1..?N in text
  // order, so an embedding statement numbers its own from ?N+1, wherever they appear.
  std::string sql;
  // The value of ?1, ?2, ... in order.
  std::vector<SqlParam> params;
};

// Builds the query for the records of collection `cid` that match `where` AND `where_document`.
// Either may be null; with both null the query returns every record of the collection.
// Fails with InvalidArgument when a filter breaks the grammar or the limits (the trees are checked
// with ValidateWhere / ValidateWhereDocument, so trees built in C++ are safe to pass).
// A query that uses $regex needs the connection to have RegisterSqlFunctions applied.
// `document_index`: documents_fts holds the collection's documents (catalog collections.fts_ready,
// read in the snapshot the query will run in), so substring tests may narrow their candidates with
// it; without it they test every document of the collection, with the same answer.
Result<RidQuery> CompileFilter(int64_t cid, const WhereNode* where, const WhereDocumentNode* where_document,
                               bool document_index = true);

// True when CompileFilter would read documents_fts for this filter: a $contains / $not_contains on
// the document (where_document, or "#document" in where) whose pattern has a literal run of three
// or more characters. The engine builds a collection's index before the first such read. The trees
// need not be valid (a false answer for an invalid one is harmless: CompileFilter rejects it).
bool UsesDocumentIndex(const WhereNode* where, const WhereDocumentNode* where_document);

// Registers the SQL functions compiled filters use on a connection: ochre_regexp(pattern, text),
// deterministic, true when the RE2 pattern matches anywhere in text, NULL when either is NULL; an
// invalid pattern is an SQL error. The compiled pattern is cached per statement (auxdata).
Status RegisterSqlFunctions(sqlite3* db);

// Binds params to ?1.. of stmt, starting at `first_index`.
void BindParams(storage::Statement* stmt, const std::vector<SqlParam>& params, int first_index = 1);

// Runs the query and returns the rids in ascending order (insertion order, Chroma's get order).
Result<std::vector<int64_t>> FindRids(storage::SqliteDb* db, const RidQuery& query);

}  // namespace ochre::query
