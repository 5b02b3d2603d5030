# Thin wrapper over CMake. `make run` starts a development server,
# `make test` builds and runs every test. Both install what they need.
BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LISTEN ?= 127.0.0.1:7443
CMAKE_FLAGS ?=

.PHONY: all deps test-deps build test run asan valgrind clean

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

run: build
	@if [ ! -f var/certs/server.pem ]; then \
		certs/mkcerts --out var/certs localhost 127.0.0.1 ::1; fi
	@echo "cairnd: listening on $(LISTEN), database var/cairn.db"
	@echo "Connect a client with:"
	@echo "  $(BUILD)/cairn init --server localhost:$(lastword $(subst :, ,$(LISTEN))) --ca var/certs/ca.pem"
	@echo "  $(BUILD)/cairn register YOUR-HANDLE"
	exec $(BUILD)/cairnd --listen $(LISTEN) --db var/cairn.db \
		--cert var/certs/server.pem --key var/certs/server.key

clean:
	rm -rf build build-asan build-fuzz
