# OchreDB's front door. `make demo` and `make test` set up a fresh Debian 12 machine (installing the
# Debian packages the project uses), build with every core, and run the demo or every test.
BUILD_DIR ?= build
# ccache hits across checkouts (CI builds a fresh clone in another folder).
export CCACHE_NOHASHDIR := 1
export CCACHE_BASEDIR := $(CURDIR)
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_DB ?= ./chroma_db

.PHONY: all setup configure build demo test test-tsan test-diff test-slow bench format clean

all: build

setup:
	@bash scripts/bootstrap.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@$(BUILD_DIR)/examples/persistent_client_demo $(DEMO_DB)

test: build
	@bash scripts/run_tests.sh $(BUILD_DIR)

test-tsan: build
	@bash scripts/tests.d/tsan.sh $(BUILD_DIR)

test-diff: build
	@bash scripts/test-diff.sh $(BUILD_DIR)

test-slow: build
	@cd $(BUILD_DIR) && ctest -L slow --output-on-failure -j $(JOBS)

bench: build
	@$(BUILD_DIR)/bench/engine/ochre_engine_bench
	@$(BUILD_DIR)/bench/ochre_index_bench --n 20000 --nq 200

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)
