# OchreDB's front door. `make demo` and `make test` set up a fresh Debian 12 machine (installing the
# Debian packages the project uses), build with every core, and run the demo or every test.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_DB ?= ./chroma_db

.PHONY: all setup configure build demo test test-unit test-python test-compat test-slow bench format clean

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

test-slow: build
	@cd $(BUILD_DIR) && ctest -L slow --output-on-failure -j $(JOBS)

bench: build
	@bash scripts/run_bench.sh $(BUILD_DIR)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)
