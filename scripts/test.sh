#!/usr/bin/env bash
# Set up, build and run the whole test suite: a release build, then an ASan+UBSan build (clang) that
# also builds the libFuzzer targets and runs them for a bounded number of iterations.
set -euo pipefail
cd "$(dirname "$0")/.."
# apt-get install of every package (skipped when the caller, e.g. .ci/run, has just done it)
[ -n "${TINYOPS_DEPS_INSTALLED:-}" ] || bash scripts/install-deps.sh
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DTINYOPS_SANITIZE=ON -DTINYOPS_FUZZ=ON -DTINYOPS_BENCH=OFF -DTINYOPS_QEMU_TESTS=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs")
echo "all tests passed (release + ASan/UBSan)"
