# Thin wrapper over CMake. `make` (or `make build`) builds, and
# `make install` installs (PREFIX, DESTDIR); neither installs packages. `make
# run` starts a development server and `make test` builds and runs every
# test: those (and deps, asan, fuzz, valgrind) install with apt-get what
# they need.
BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:7443
CMAKE_FLAGS ?=
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps test-deps build test run asan valgrind fuzz clean install \
	format format-check

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

# Configures $(BUILD) once; make test configures it again with warnings as
# errors. A missing library stops cmake: say where to get it.
CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
NEEDS_DEPS = { echo "make: cmake failed; if a package is missing, 'make deps' installs them (apt-get)" >&2; exit 1; }

$(BUILD)/CMakeCache.txt:
	@$(CONFIGURE) || $(NEEDS_DEPS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# cairn, cairnd and cairn-mkcerts in $(DESTDIR)$(PREFIX)/bin, and the man
# pages (docs/man) under $(DESTDIR)$(PREFIX)/share/man.
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# Every test; at the end, the skipped ones and why (scripts/run-tests).
test: test-deps
	@$(CONFIGURE) -DCAIRN_WERROR=ON || $(NEEDS_DEPS)
	cmake --build $(BUILD) -j $(JOBS)
	@scripts/run-tests $(BUILD) -j $(JOBS)

# The C files as clang-format (.clang-format) makes them: format-check lists
# those that differ and fails, format rewrites them.
format-check:
	@scripts/check-format

format:
	@scripts/check-format --fix

# ASan + UBSan build and tests in their own folder.
asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCAIRN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# Unit tests and two end-to-end scenarios under valgrind's memcheck.
valgrind: deps
	@$(MAKE) build
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

run: deps
	@$(MAKE) build
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
