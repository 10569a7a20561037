#!/usr/bin/env bash
# The unit suite under AddressSanitizer + UndefinedBehaviorSanitizer (g++): a build dir of its own (build-asan)
# with only kforge_unit_tests and what it needs (the libraries and the kforge binary its CLI tests run, sanitized
# too). Any report fails the run (-fno-sanitize-recover, halt_on_error). scripts/test.sh runs it after ctest.
# Usage: scripts/sanitize.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/build_progress.sh
BUILD=${1:-build-asan}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
start=$(date +%s)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O1: sanitizer reports keep their frames, and the build stays quicker than RelWithDebInfo's -O2.
# -Wno-maybe-uninitialized: GCC 12 with -fsanitize=address at -O1 warns inside libstdc++'s <regex> (value_syntax_test
# compares with std::regex), a false positive (GCC bug 105616) that filled the log with a hundred lines.
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DCMAKE_CXX_FLAGS="$SAN -Wno-maybe-uninitialized" \
  -DCMAKE_EXE_LINKER_FLAGS="$SAN" "${launcher[@]}" >/dev/null
echo "asan: building kforge_unit_tests and kforge in $BUILD (g++ -O1, ASan+UBSan)"
cmake --build "$BUILD" -j"$(nproc)" --target kforge_unit_tests | build_progress asan "$start"
built=$(date +%s)
echo "asan: built kforge_unit_tests in $((built - start)) s"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# KubeLive needs a cluster (KFORGE_KUBE_TEST_KUBECONFIG): skipped here as in ctest.
echo "asan: running the unit suite"
"$BUILD/tests/kforge_unit_tests" --gtest_brief=1 >"$BUILD/unit.log" 2>&1 || {
  grep -E -A40 'ERROR: AddressSanitizer|runtime error|ERROR: LeakSanitizer|\[  FAILED  \]' "$BUILD/unit.log" | head -200
  echo "asan: FAILED after $(($(date +%s) - start)) s (full log: $BUILD/unit.log)" >&2
  exit 1
}
tail -3 "$BUILD/unit.log"
echo "asan: OK, unit suite clean under ASan+UBSan: $(($(date +%s) - built)) s to run, $(($(date +%s) - start)) s in all"
