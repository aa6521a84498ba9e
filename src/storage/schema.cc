// Copyright 2026 The OchreDB Authors.
#include "storage/schema.h"

namespace ochre::storage {

namespace {

constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE IF NOT EXISTS ochre_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE tenants(name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE databases(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  tenant TEXT NOT NULL,
  UNIQUE(tenant, name)
);
CREATE TABLE collections(
  cid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  database_id TEXT NOT NULL,
  dimension INTEGER,
  config_json TEXT NOT NULL,
  metadata_json TEXT,
  committed_rows INTEGER NOT NULL DEFAULT 0,
  dead_rows INTEGER NOT NULL DEFAULT 0,
  UNIQUE(database_id, name)
);
CREATE TABLE records(
  rid INTEGER PRIMARY KEY,
  cid INTEGER NOT NULL,
  id TEXT NOT NULL,
  row INTEGER NOT NULL,
  document TEXT,
  uri TEXT,
  metadata_json TEXT,
  UNIQUE(cid, id)
);
CREATE INDEX records_by_row ON records(cid, row);
CREATE TABLE metadata(
  rid INTEGER NOT NULL,
  cid INTEGER NOT NULL,
  key TEXT NOT NULL,
  t INTEGER NOT NULL,
  v,
  PRIMARY KEY(rid, key)
) WITHOUT ROWID;
CREATE INDEX metadata_by_value ON metadata(cid, key, v);
CREATE TABLE metadata_array(
  rid INTEGER NOT NULL,
  cid INTEGER NOT NULL,
  key TEXT NOT NULL,
  t INTEGER NOT NULL,
  v
);
CREATE INDEX metadata_array_by_rid ON metadata_array(rid, key);
CREATE INDEX metadata_array_by_value ON metadata_array(cid, key, v);
CREATE VIRTUAL TABLE documents_fts USING fts5(
  document, content='records', content_rowid='rid', tokenize="trigram case_sensitive 1"
);
INSERT INTO tenants(name) VALUES ('default_tenant');
INSERT INTO databases(id, name, tenant)
  VALUES ('00000000-0000-0000-0000-000000000000', 'default_database', 'default_tenant');
)sql";

// Version 2: compaction generations. A collection's vectors and graph live in files named after its
// generation (0: vectors.f32 and hnsw.graph, as in version 1, so that existing files stay valid;
// g > 0: vectors.<g>.f32 and hnsw.<g>.graph). Compaction writes generation g + 1 and publishes it
// by committing the new generation together with the records' new rows.
constexpr std::string_view kMigration2 = R"sql(
ALTER TABLE collections ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 3: several processes on one database. collections.write_seq counts the commits that
// changed a collection's records (each write and delete adds one, in its transaction), so that a
// process sees at its next read that another process changed the collection, and catches up.
constexpr std::string_view kMigration3 = R"sql(
ALTER TABLE collections ADD COLUMN write_seq INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 4: the FTS index is built lazily. collections.fts_ready says whether documents_fts holds
// the collection's documents: a new collection starts without FTS rows (most never filter by
// document text, and the index is the catalog's largest part), its first document filter builds
// them in one transaction that also sets the flag, and from then on its writers keep them current.
// Collections of an older catalog have their FTS rows already: they are marked ready.
constexpr std::string_view kMigration4 = R"sql(
ALTER TABLE collections ADD COLUMN fts_ready INTEGER NOT NULL DEFAULT 0;
UPDATE collections SET fts_ready = 1;
)sql";

// Version 5: record checksums (record_checksum.h). Rows from before stay NULL (not checked).
constexpr std::string_view kMigration5 = R"sql(
ALTER TABLE records ADD COLUMN key_crc INTEGER;
ALTER TABLE records ADD COLUMN payload_crc INTEGER;
)sql";

// Version 6: page checksums (page_checksum_vfs.h) live in SQLite's reserved bytes of each page, not
// in the schema: a new catalog has them from its first page, an older one once `ochre verify
// --repair` converts it. The version keeps builds that would write pages without them out.
constexpr std::string_view kMigration6 = R"sql(
-- No schema change.
)sql";

}  // namespace

const std::string_view kLeanFtsSql = R"sql(
DROP TABLE documents_fts;
CREATE VIRTUAL TABLE documents_fts USING fts5(
  document, content='records', content_rowid='rid', tokenize="trigram case_sensitive 1",
  detail=none, columnsize=0
);
)sql";

const std::vector<std::string_view>& Migrations() {
  static const std::vector<std::string_view>* migrations =
      new std::vector<std::string_view>{kMigration1, kMigration2, kMigration3, kMigration4, kMigration5, kMigration6};
  return *migrations;
}

}  // namespace ochre::storage
