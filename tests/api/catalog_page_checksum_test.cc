// Copyright 2026 The OchreDB Authors.
//
// The catalog's page checksums end to end (catalog format 6, docs/format/catalog.md): a database
// created by the engine has them and verify checks every page; a flipped bit in a catalog page is a
// Corruption error of the read that meets it; a catalog from before them (no reserved bytes) opens
// and works unchecked, verify warns about it, and `verify --repair` (RepairDatabase) converts it,
// after which damage is found.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "ochre/ochre.h"
#include "ochre/verify.h"
#include "storage/catalog.h"
#include "storage/page_checksum_vfs.h"
#include "storage/schema.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

namespace fs = std::filesystem;

constexpr size_t kDim = 4;
constexpr int kRecords = 600;

int ReservedBytes(const std::string& catalog) {
  std::ifstream in(catalog, std::ios::binary);
  char h[100] = {};
  in.read(h, sizeof h);
  return static_cast<unsigned char>(h[20]);
}

void FlipBit(const std::string& path, int64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c = char(c ^ 0x10);
  f.seekp(offset);
  f.write(&c, 1);
}

std::string Findings(const VerifyReport& r) {
  std::string out;
  for (const auto& f : r.problems) out += "problem " + f.check + " " + f.collection + ": " + f.message + "\n";
  for (const auto& f : r.warnings) out += "warning " + f.check + " " + f.collection + ": " + f.message + "\n";
  return out;
}

class CatalogPageChecksumTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.Sub("db"); }
  std::string Catalog() const { return Path() + "/" + storage::kCatalogFileName; }

  void Fill() {
    auto client = PersistentClient::Open(Path());
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    CreateCollectionOptions o;
    o.name = "coll";
    o.embedding_function = nullptr;
    auto c = (*client)->CreateCollection(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    RecordBatch b;
    std::vector<float> data;
    b.documents.emplace();
    b.metadatas.emplace();
    for (int i = 0; i < kRecords; ++i) {
      b.ids.push_back("id" + std::to_string(i));
      for (size_t d = 0; d < kDim; ++d) data.push_back(float(i * 10 + int(d)));
      b.documents->push_back("document number " + std::to_string(i) + std::string(100, 'x'));
      b.metadatas->push_back(Metadata{{"k", int64_t(i)}, {"s", "value " + std::to_string(i % 7)}});
    }
    b.embeddings = FloatMatrix(kDim, std::move(data));
    ASSERT_TRUE((*c)->Add(b).ok());
  }

  // Reads everything through the engine: every record, a metadata filter (typed rows and the
  // in-memory index), a document filter (the FTS index, built on first use).
  Status ReadAll() {
    auto client = PersistentClient::Open(Path());
    if (!client.ok()) return client.status();
    auto c = (*client)->GetCollection("coll");
    if (!c.ok()) return c.status();
    GetOptions g;
    g.include = Include{true, true, true, false, false};
    auto all = (*c)->Get(g);
    if (!all.ok()) return all.status();
    if (all->ids.size() != size_t(kRecords)) return Status::Internal("records lost");
    auto w = ParseWhere(R"({"s": "value 3"})");
    if (!w.ok()) return w.status();
    GetOptions f;
    f.where = *w;
    auto some = (*c)->Get(f);
    if (!some.ok()) return some.status();
    GetOptions d;
    WhereDocumentNode node;
    node.pattern = "number 12";
    d.where_document = node;
    return (*c)->Get(d).status();
  }

  testutil::TempDir dir_;
};

TEST_F(CatalogPageChecksumTest, NewCatalogHasPageChecksumsThatVerifyChecks) {
  Fill();
  ASSERT_TRUE(ReadAll().ok());
  EXPECT_EQ(ReservedBytes(Catalog()), storage::kPageTrailerBytes);
  auto r = VerifyDatabase(Path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->problems.empty()) << Findings(*r);
  for (const auto& w : r->warnings) EXPECT_NE(w.check, "catalog") << Findings(*r);
  EXPECT_TRUE(r->catalog_checksums.page_checksums);
  EXPECT_EQ(r->catalog_checksums.page_size, 4096);
  EXPECT_EQ(r->catalog_checksums.pages_checked, int64_t(fs::file_size(Catalog()) / 4096));
  EXPECT_TRUE(r->catalog_checksums.damaged_pages.empty());
}

TEST_F(CatalogPageChecksumTest, FlippedBitInACatalogPageIsCorruption) {
  Fill();
  ASSERT_TRUE(ReadAll().ok());
  const int64_t pages = int64_t(fs::file_size(Catalog()) / 4096);
  ASSERT_GT(pages, 8);
  FlipBit(Catalog(), (pages / 2) * 4096 + 2000);
  Status s = ReadAll();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  auto r = VerifyDatabase(Path());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->catalog_checksums.damaged_pages.size(), 1u);
  EXPECT_EQ(r->catalog_checksums.damaged_pages[0], pages / 2 + 1);
  EXPECT_FALSE(r->problems.empty());
}

TEST_F(CatalogPageChecksumTest, OldCatalogWorksUncheckedAndRepairConvertsIt) {
  // A catalog made without the reserved bytes, as every build before format 6 made them.
  fs::create_directories(Path());
  {
    auto conn = storage::CatalogConn::Open(Catalog(), storage::SqliteOpenOptions{}, /*migrate=*/true, nullptr);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  }
  ASSERT_EQ(ReservedBytes(Catalog()), 0);
  Fill();
  ASSERT_TRUE(ReadAll().ok());
  EXPECT_EQ(ReservedBytes(Catalog()), 0);
  auto before = VerifyDatabase(Path());
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->problems.empty()) << Findings(*before);
  EXPECT_FALSE(before->catalog_checksums.page_checksums);
  bool warned = false;
  for (const auto& w : before->warnings) warned |= w.check == "catalog";
  EXPECT_TRUE(warned) << Findings(*before);

  auto repaired = RepairDatabase(Path());
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_TRUE(repaired->catalog_page_checksums_added);
  EXPECT_EQ(ReservedBytes(Catalog()), storage::kPageTrailerBytes);
  auto after = VerifyDatabase(Path());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->problems.empty()) << Findings(*after);
  for (const auto& w : after->warnings) EXPECT_NE(w.check, "catalog") << Findings(*after);
  EXPECT_TRUE(after->catalog_checksums.page_checksums);
  ASSERT_TRUE(ReadAll().ok());
  auto again = RepairDatabase(Path());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->catalog_page_checksums_added);

  const int64_t pages = int64_t(fs::file_size(Catalog()) / 4096);
  FlipBit(Catalog(), (pages / 2) * 4096 + 1500);
  EXPECT_TRUE(ReadAll().IsCorruption());
}

TEST_F(CatalogPageChecksumTest, RepairRefusesWhileAnotherClientHasTheCatalogOpen) {
  fs::create_directories(Path());
  {
    auto conn = storage::CatalogConn::Open(Catalog(), storage::SqliteOpenOptions{}, /*migrate=*/true, nullptr);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  }
  auto client = PersistentClient::Open(Path());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->ListCollections().ok());
  auto repaired = RepairDatabase(Path());
  EXPECT_EQ(repaired.status().code(), StatusCode::kLocked) << repaired.status().ToString();
  EXPECT_EQ(ReservedBytes(Catalog()), 0);
}

}  // namespace
}  // namespace ochre
