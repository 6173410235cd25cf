#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, ASan + UBSan) of the .dgn program reader (and the
# runs dagnet-bench makes of what it read) and of the tensor-file reader, for a fixed time
# per target, from the committed seed corpus tests/fuzz/corpus (tests/fuzz/make_corpus.py
# writes it). Needs clang and its runtimes (Debian 12: apt-get install clang libclang-rt-14-dev).
#   tools/fuzz.sh [seconds per target, default 25]
# New interesting inputs collect in build/fuzz/corpus-*; a crash leaves its input in
# build/fuzz/crash-* and fails the run: reproduce it with build/fuzz/tests/fuzz/<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
if ! command -v clang++ > /dev/null || [[ "$(clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a)" != /* ]]; then
  echo "fuzzing: needs clang++ and its libFuzzer runtime (Debian: clang libclang-rt-14-dev): skipped"
  exit 0
fi
jobs=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
source tools/tools_venv.sh  # CMake and Ninja
mkdir -p build/fuzz
cmake --preset fuzz > build/fuzz-configure.log || { cat build/fuzz-configure.log; exit 1; }
cmake --build --preset fuzz -j "$jobs" > build/fuzz-build.log || { tail -40 build/fuzz-build.log; exit 1; }
# Allocations past 1 GiB fail as they would on a small machine (the engine reports them as
# MemoryError); anything else the sanitizers or libFuzzer see is a finding.
export ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=1024:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for target in program tensor; do
  mkdir -p "build/fuzz/corpus-$target"
  log=build/fuzz/fuzz_${target}_reader.log
  echo "== fuzz_${target}_reader: ${seconds}s (log: $log)"
  "build/fuzz/tests/fuzz/fuzz_${target}_reader" "build/fuzz/corpus-$target" "tests/fuzz/corpus/$target" \
    -dict=tests/fuzz/dgn.dict -max_total_time="$seconds" -max_len=16384 -timeout=20 -rss_limit_mb=4096 \
    -artifact_prefix=build/fuzz/ -print_final_stats=1 > "$log" 2>&1 || status=$?
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ +DONE" "$log" || true
  if [[ $status != 0 ]]; then
    grep -E -A30 "^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal|out-of-memory|timeout" "$log" | head -60
    echo "fuzz_${target}_reader found a failing input (exit $status):"
    ls build/fuzz/crash-* build/fuzz/leak-* build/fuzz/oom-* build/fuzz/timeout-* 2> /dev/null || true
    exit 1
  fi
done
echo "fuzzing: no findings"
