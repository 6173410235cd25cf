#!/usr/bin/env bash
# Sanitizer runs (CMakePresets.json presets asan and tsan, built with g++, whose
# sanitizer runtimes ship with it; on Debian 12 nothing else is needed).
#   tools/sanitize.sh asan [pytest args]   ASan + UBSan: the Python test suite, a few
#                                          whole-model training steps and dagnet-bench
#   tools/sanitize.sh smoke                ASan + UBSan over the robustness tests only
#                                          (what .ci/run does by default: the build is
#                                          most of its cost)
#   tools/sanitize.sh tsan                 TSan: the thread pool and concurrent predict
#   tools/sanitize.sh                      asan and tsan
# Any sanitizer report fails the run (exit status != 0). Without the compiler's sanitizer
# runtimes the run is skipped with a message (exit status 0).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${CMAKE_BUILD_PARALLEL_LEVEL:-2}

source tools/tools_venv.sh  # $venv: CMake, Ninja, pybind11 and the test dependencies, no dagnet

export CXX=${CXX:-g++} CC=${CC:-gcc}
# The robustness tests the smoke run covers: shape rules, file readers, arrays, the thread
# pool, the bench's command line, the property suite over every op, determinism.
smoke_tests=(tests/test_op_operand_checks.py tests/test_file_readers.py tests/test_array_conversion.py
  tests/test_thread_pool.py tests/test_bench_cli.py tests/test_engine_properties.py tests/test_determinism.py)

# Whether $CXX has the runtime library $1 (libasan.so, libubsan.so, libtsan.so):
# -print-file-name echoes a bare name when it has not.
has_runtime() { [[ "$("$CXX" -print-file-name="$1")" == /* ]]; }
require_runtimes() {
  for lib in "$@"; do
    if ! has_runtime "$lib"; then
      echo "sanitizers: $CXX has no $lib (install its sanitizer runtimes): skipped"
      exit 0
    fi
  done
}
build() {  # preset -> builds build/<preset>; the log stays in build/<preset>-build.log
  echo "== building preset $1"
  cmake --preset "$1" -DPython_EXECUTABLE="$venv/bin/python" > "build/$1-configure.log"
  cmake --build --preset "$1" -j "$jobs" > "build/$1-build.log" || { tail -40 "build/$1-build.log"; exit 1; }
}

# build/<preset>/py/dagnet: the package sources (links) plus that preset's engine module.
stage_package() {
  local pkg=$root/build/$1/py/dagnet
  rm -rf "$pkg" && mkdir -p "$pkg"
  for f in "$root"/python/dagnet/*; do ln -s "$f" "$pkg/"; done
  ln -sf "$root"/build/$1/_engine*.so "$pkg/"
  echo "$root/build/$1/py"
}

# Sanitizer reports go to files (pytest captures stderr, and a report aborts the process
# before it could show them); any report fails the run and is printed.
reports=$root/build/sanitizer-reports
check_reports() {
  if compgen -G "$reports/*" > /dev/null; then
    echo "sanitizer reports ($1):"; cat "$reports"/*; exit 1
  fi
}

run_asan() {
  build asan
  local pypath; pypath=$(stage_package asan)
  # The module, dagnet-bench and the stress test share the shared runtime; the interpreter
  # is not instrumented, so it must load it first, with libstdc++ (else ASan cannot find
  # the real __cxa_throw and aborts on the first C++ exception).
  local runtime; runtime="$("$CXX" -print-file-name=libasan.so) $("$CXX" -print-file-name=libstdc++.so)"
  rm -rf "$reports" && mkdir -p "$reports"
  # Python's own allocations are not instrumented and it never frees some at exit:
  # leak checking covers the native stress test; the interpreter runs with detect_leaks=0.
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan
  export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:halt_on_error=1:log_path=$reports/asan
  export PATH=$root/build/asan:$PATH  # the tests run the sanitized dagnet-bench too
  echo "== ASan+UBSan: python test suite"
  LD_PRELOAD=$runtime PYTHONPATH=$pypath DAGNET_EXPECT_BUILD_TYPE=RelWithDebInfo \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "${@:-tests}" || { check_reports "test suite"; exit 1; }
  check_reports "test suite"
  echo "== ASan+UBSan: whole-model training steps and dagnet-bench"
  LD_PRELOAD=$runtime PYTHONPATH=$pypath "$venv/bin/python" tools/sanitize_models.py build/asan/dagnet-bench \
    || { check_reports "models"; exit 1; }
  check_reports "models"
  echo "== ASan+UBSan: native stress test (leak checking on)"
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:log_path=$reports/asan build/asan/tests/native/dagnet_stress \
    || { check_reports "stress"; exit 1; }
  check_reports "stress"
}

run_tsan() {
  build tsan
  rm -rf "$reports" && mkdir -p "$reports"
  echo "== TSan: thread pool and concurrent predict"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan build/tsan/tests/native/dagnet_stress \
    || { check_reports "tsan"; exit 1; }
  check_reports "tsan"
}

case "${1:-all}" in
  asan) shift; require_runtimes libasan.so libubsan.so; run_asan "$@" ;;
  smoke) require_runtimes libasan.so libubsan.so; export DAGNET_HYPOTHESIS_EXAMPLES=5; run_asan "${smoke_tests[@]}" ;;
  tsan) require_runtimes libtsan.so; run_tsan ;;
  all) require_runtimes libasan.so libubsan.so libtsan.so; run_asan; run_tsan ;;
  *) echo "usage: tools/sanitize.sh [asan [pytest args] | smoke | tsan]" >&2; exit 2 ;;
esac
echo "sanitizers: no reports"
