// Copyright 2026 The OchreDB Authors.
#include "server/http_error.h"

#include <gtest/gtest.h>

namespace ochre::server {
namespace {

TEST(HttpErrorTest, DiskFullIs507NotARetryInviting503) {
  HttpError e = HttpError::FromStatus(Status::NoSpace("write /data/x: No space left on device"));
  EXPECT_EQ(e.status, 507);
  EXPECT_EQ(e.name, "ChromaError");
  EXPECT_EQ(e.message.find("/data"), std::string::npos) << "no path reaches the client";
  EXPECT_NE(e.message.find("disk is full"), std::string::npos);
  EXPECT_EQ(HttpError::FromStatus(Status::Locked("held")).status, 503);
  EXPECT_EQ(HttpError::FromStatus(Status::NotSupported("x")).status, 501);
}

}  // namespace
}  // namespace ochre::server
