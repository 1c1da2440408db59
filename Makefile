# The two commands of the README. Both install what is missing (apt), build
# with CMake (Release), then run the demo or the whole CTest suite.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 600

.PHONY: all deps build demo test test-full parity-full asan tsan fuzz bench clean format

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./scripts/demo.sh $(BUILD)

# Everything CI runs: the Release suite, then the ASan+UBSan and TSan builds
# of the labelled subsets, then the 20 s fuzz smoke runs.
test: build
	./scripts/test.sh $(BUILD)

test-full: build
	POLYVIS_TEST_FULL=1 ./scripts/test.sh $(BUILD)

# Zoo parity of every torchvision variant at native size on every device;
# writes docs/parity.md (MODELS=..., DEVICES=... restrict it).
parity-full: build
	./scripts/parity-full.sh $(BUILD)

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz.sh

bench: build
	./scripts/bench.sh $(BUILD)

# Generated tables (weights metadata, category lists, the bitmap font) keep
# their generator's layout.
format:
	git ls-files '*.c' '*.h' | grep -v -e '^models/weights_meta.c' \
	  -e '^models/categories' -e '^core/draw/draw_font.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
