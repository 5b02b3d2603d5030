# Thin wrapper over CMake. `make run` starts a development server,
# `make test` builds and runs every test. Both install what they need.
BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:7443
CMAKE_FLAGS ?=

.PHONY: all deps test-deps build test run asan valgrind fuzz clean

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCAIRN_WERROR=ON $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# ASan + UBSan build and tests in their own folder.
asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCAIRN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# Unit tests and one end-to-end scenario under valgrind's memcheck.
valgrind: build
	scripts/valgrind-check $(BUILD)

# libFuzzer targets (clang, ASan + UBSan) in build-fuzz/: each runs once
# over every file of its corpus, then FUZZ_TIME seconds more. New inputs go
# to a temporary folder, never into tests/fuzz/corpus/; crash inputs to
# build-fuzz/artifacts/. The session seeds must be what seed-session writes.
FUZZ_TIME ?= 10
FUZZERS = frame request plan session
fuzz:
	@scripts/install-deps --fuzz
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_WERROR=ON -DCAIRN_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	mkdir -p build-fuzz/artifacts "$$tmp/seeds"; \
	build-fuzz/seed-session "$$tmp/seeds"; \
	for f in "$$tmp"/seeds/*; do \
		cmp -s "$$f" "tests/fuzz/corpus/session/$${f##*/}" || { \
			echo "fuzz: tests/fuzz/corpus/session/$${f##*/} is stale;" \
			"run build-fuzz/seed-session tests/fuzz/corpus/session"; \
			exit 1; }; \
	done; \
	for name in $(FUZZERS); do \
		echo "fuzz: fuzz-$$name over tests/fuzz/corpus/$$name"; \
		mkdir -p "$$tmp/$$name"; \
		build-fuzz/fuzz-$$name -runs=0 -timeout=10 \
			-artifact_prefix=build-fuzz/artifacts/fuzz-$$name- \
			tests/fuzz/corpus/$$name; \
		build-fuzz/fuzz-$$name -max_total_time=$(FUZZ_TIME) \
			-timeout=10 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/artifacts/fuzz-$$name- \
			"$$tmp/$$name" tests/fuzz/corpus/$$name; \
	done

run: build
	@if [ ! -f var/certs/server.pem ]; then \
		certs/mkcerts --out var/certs localhost 127.0.0.1 ::1; fi
	@echo "cairnd: listening on $(LISTEN), database var/cairn.db"
	@echo "The binaries are $(abspath $(BUILD))/cairn and $(abspath $(BUILD))/cairnd"
	@echo "(put $(abspath $(BUILD)) on your PATH, or run 'make install PREFIX=$$HOME/.local')."
	@echo "Keep this terminal open: the server runs here until Ctrl-C."
	@echo "In another terminal, connect a client with:"
	@echo "  $(abspath $(BUILD))/cairn init --server localhost:$(lastword $(subst :, ,$(LISTEN))) --ca $(CURDIR)/var/certs/ca.pem"
	@echo "  $(abspath $(BUILD))/cairn register YOUR-HANDLE"
	exec $(BUILD)/cairnd --listen $(LISTEN) --db var/cairn.db \
		--cert var/certs/server.pem --key var/certs/server.key

clean:
	rm -rf build build-asan build-fuzz
