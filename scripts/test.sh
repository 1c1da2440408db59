#!/usr/bin/env bash
# Runs the whole suite: the Release build's CTest, then the sanitizer builds
# (ASan+UBSan on the `asan` label, TSan on the `tsan` label), then the fuzz
# smoke runs. POLYVIS_TEST_FULL=1 adds the heavy `full` label.
set -euo pipefail
BUILD=${1:-build}
JOBS=$(nproc)
export POLYVIS_CACHE_DIR=${POLYVIS_CACHE_DIR:-$(mktemp -d)}
export CTEST_OUTPUT_ON_FAILURE=1
# Every Vulkan run goes through the Khronos validation layer, and any
# validation warning or error fails the run that follows it.
export VK_INSTANCE_LAYERS=${VK_INSTANCE_LAYERS:-VK_LAYER_KHRONOS_validation}
export POLYVIS_VK_VALIDATION_FATAL=${POLYVIS_VK_VALIDATION_FATAL:-1}

exclude="full"
[ -n "${POLYVIS_TEST_FULL:-}" ] && exclude="^$"
echo "== Release suite"
ctest --test-dir "$BUILD" -j "$JOBS" -LE "$exclude" --timeout 1200

echo "== ASan+UBSan suite"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DPOLYVIS_SANITIZE=address,undefined -DPOLYVIS_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS" >/dev/null
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$JOBS" -L asan -LE "$exclude" --timeout 1200

echo "== TSan suite"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DPOLYVIS_SANITIZE=thread -DPOLYVIS_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j "$JOBS" >/dev/null
ctest --test-dir build-tsan -j "$JOBS" -L tsan -LE "$exclude" --timeout 1200

if [ -x scripts/fuzz.sh ]; then
  echo "== fuzz smoke"
  FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-20} ./scripts/fuzz.sh
fi
