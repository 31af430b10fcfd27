# berth: the two commands for a fresh machine are `make demo` and `make test`.
.PHONY: setup build build-asan test test-unit test-asan demo bench fuzz clean

PRESET ?= release
BUILD_DIR := build
JOBS ?= $(shell nproc)

setup:
	bash scripts/setup

build: setup
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

# Every test: unit tests, the conformance suites, CLI tests, the fuzz-corpus replay.
# After ctest's own summary, the conformance suites' and pytest's summary lines from its log.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@echo "== conformance and pytest summaries"
	@grep -hE "^suite |^total: |passed in|failed in" $(BUILD_DIR)/Testing/Temporary/LastTest.log || true

build-asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

# Unit tests, then Debian's ONNX backend cases (each checked for leaks), under
# AddressSanitizer/LeakSanitizer and UBSan.
ONNX_DATA := /usr/share/libonnx-testdata/data
test-asan: build-asan
	cd build-asan && ctest --output-on-failure -j $(JOBS) -E "^conformance$$|cli_smoke"
	build-asan/bin/berth_conformance --quiet --memory-limit-mb 0 --jobs $(JOBS) \
	  --passing-list tests/conformance/passing_debian.txt \
	  $(ONNX_DATA)/node $(ONNX_DATA)/pytorch-converted $(ONNX_DATA)/pytorch-operator $(ONNX_DATA)/simple

demo: build
	bash scripts/demo

bench: build
	bash bench/run.sh

# Builds the libFuzzer targets with clang and fuzzes the model loader and the infer request
# codec for FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target model_loader_fuzzer infer_request_fuzzer
	mkdir -p build-fuzz/corpus && cp -n tests/fuzz/corpus/* build-fuzz/corpus/
	build-fuzz/bin/model_loader_fuzzer -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 build-fuzz/corpus
	mkdir -p build-fuzz/infer_corpus && cp -n tests/fuzz/infer_request_corpus/* build-fuzz/infer_corpus/
	build-fuzz/bin/infer_request_fuzzer -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 build-fuzz/infer_corpus

clean:
	rm -rf build build-debug build-asan build-fuzz
