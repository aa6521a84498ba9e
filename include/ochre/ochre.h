// Copyright 2026 The OchreDB Authors.
//
// OchreDB: an embedded, persistent vector database with Chroma's semantics. Include this header.
#pragma once

#include "ochre/bm25.h"
#include "ochre/client.h"
#include "ochre/collection.h"
#include "ochre/embedding_function.h"
#include "ochre/result.h"
#include "ochre/status.h"
#include "ochre/types.h"
#include "ochre/where.h"
