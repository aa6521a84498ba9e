// Copyright 2026 The OchreDB Authors.
#include "ochre/status.h"

#include <gtest/gtest.h>

#include "ochre/result.h"
#include "ochre/types.h"

namespace ochre {
namespace {

TEST(StatusTest, DefaultIsOkAndHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeKindAndMessage) {
  Status s = Status::DuplicateId("Expected IDs to be unique, found duplicates of: a");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.invalid_kind(), InvalidKind::kDuplicateId);
  EXPECT_EQ(s.ToString(), "InvalidArgument: Expected IDs to be unique, found duplicates of: a");
}

TEST(StatusTest, WithContextPrefixesTheMessageAndKeepsTheCode) {
  Status s = Status::IOError("disk on fire").WithContext("writing vectors.f32");
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(s.message(), "writing vectors.f32: disk on fire");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  OCHRE_ASSIGN_OR_RETURN(int h, Half(x));
  OCHRE_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
}

TEST(FloatMatrixTest, FromRowsRejectsEmptyAndRaggedRows) {
  auto ok = FloatMatrix::FromRows({{1, 2}, {3, 4}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->rows(), 2u);
  EXPECT_EQ(ok->dim(), 2u);
  EXPECT_EQ(ok->row(1)[0], 3.0f);
  EXPECT_EQ(FloatMatrix::FromRows({{1, 2}, {3}}).status().message(),
            "Inconsistent dimensions in provided embeddings");
  EXPECT_EQ(FloatMatrix::FromRows({{}}).status().message(), "Each embedding must have at least 1 dimension");
}

}  // namespace
}  // namespace ochre
