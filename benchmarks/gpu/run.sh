#!/usr/bin/env bash
# The one-command GPU check for a lent machine (one H200: Python 3.12, nvcc 13.0, torch with
# CUDA 13, cupy, nvidia-cublas, pybind11, scikit-build-core, cmake, ninja; no network):
#   1. build dagnet with the CUDA backend (sm_90, ninja, all cores) into the machine's
#      Python (nothing is downloaded),
#   2. run the tests marked `cuda` (CPU/GPU parity of every op and seed model, graph replay,
#      flat device memory, the device error record),
#   3. time every seed model's train step: dagnet CUDA with graph replay on and off against
#      PyTorch CUDA eager and PyTorch with CUDA Graphs (benchmarks/gpu/bench.py),
# writing $OUT/report.md (OUT defaults to ./gpu-report) with each phase's log beside it.
# The whole run stays inside 8 minutes: each phase has a hard timeout, cut to what is left.
#
#   benchmarks/gpu/run.sh              # on the GPU machine, from anywhere
#   benchmarks/gpu/run.sh --dry-run    # here: syntax, Python imports, no build, no GPU
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/gpu-report}
PY=${PYTHON:-python3}
BUDGET=${DAGNET_GPU_BUDGET_S:-470}  # 8 minutes less a margin for the report and the transfers
DRY=0
[[ ${1:-} == --dry-run ]] && DRY=1
mkdir -p "$OUT"
REPORT=$OUT/report.md
START=$SECONDS
: >"$OUT/phases.tsv"

note() { echo "[$((SECONDS - START))s] $*" | tee -a "$OUT/run.log"; }

# phase NAME MAX_SECONDS CMD...: runs CMD under a hard timeout (MAX_SECONDS, or what the budget
# has left), logs to $OUT/NAME.log and records name, status and seconds.
phase() {
  local name=$1 max=$2
  shift 2
  local left=$((BUDGET - (SECONDS - START)))
  local limit=$((max < left ? max : left))
  if ((limit < 10)); then
    note "$name: skipped, budget spent"
    printf '%s\tskipped (budget spent)\t0\n' "$name" >>"$OUT/phases.tsv"
    return 124
  fi
  note "$name: up to ${limit}s"
  local t0=$SECONDS status
  timeout --kill-after=5 "$limit" "$@" >"$OUT/$name.log" 2>&1
  status=$?
  local took=$((SECONDS - t0)) what=ok
  ((status == 124 || status == 137)) && what="timed out after ${limit}s"
  ((status != 0 && status != 124 && status != 137)) && what="failed (exit $status)"
  note "$name: $what in ${took}s"
  printf '%s\t%s\t%s\n' "$name" "$what" "$took" >>"$OUT/phases.tsv"
  return $status
}

write_report() {
  {
    echo "# dagnet GPU check"
    echo
    echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
    echo "- total: $((SECONDS - START))s of a ${BUDGET}s budget"
    echo
    echo "| phase | result | seconds |"
    echo "| --- | --- | ---: |"
    while IFS=$'\t' read -r name what took; do echo "| $name | $what | $took |"; done <"$OUT/phases.tsv"
    echo
    if [[ -f $OUT/tests.log ]]; then
      echo "## CUDA tests (tests/test_*cuda*.py)"
      echo
      echo '```'
      grep -E '^(FAILED|ERROR)|passed|failed|error' "$OUT/tests.log" | tail -40
      echo '```'
      echo
    fi
    [[ -f $OUT/bench.md ]] && sed 's/^# /## /' "$OUT/bench.md"
    if [[ -f $OUT/build.log ]] && ! grep -q "Successfully installed" "$OUT/build.log"; then
      echo "## Build log (tail)"
      echo
      echo '```'
      tail -40 "$OUT/build.log"
      echo '```'
    fi
  } >"$REPORT"
  note "report: $REPORT"
}
trap write_report EXIT

if ((DRY)); then
  note "dry run: no build, no GPU"
  phase syntax 20 bash -n "$0" || exit 1
  phase imports 60 env PYTHONPATH="$ROOT/benchmarks/models:$ROOT/tests${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "
import importlib.util, sys
for path in ('$ROOT/benchmarks/gpu/bench.py',):
    spec = importlib.util.spec_from_file_location('bench', path)
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
print('bench.py imports')
" || exit 1
  phase bench_definitions 60 "$PY" "$ROOT/benchmarks/gpu/bench.py" --dry-run --out "$OUT/bench-dry.md" || exit 1
  dry_build() {  # the build phase's mechanics (a function run under timeout), minus the build
    set -e
    cd /
    "$PY" -c "import dagnet; print(dagnet.info(), dagnet.devices())"
  }
  export ROOT PY
  phase dry_build 30 bash -c "$(declare -f dry_build); dry_build" || exit 1
  (cd "$ROOT" && phase dry_tests 120 "$PY" -m pytest -q -p no:cacheprovider -rs tests/test_cuda_parity.py \
    tests/test_cuda_runtime.py -k "mlp or replay or flat or embedding or covered") || exit 1
  if command -v nvidia-smi >/dev/null; then note "nvidia-smi found: run without --dry-run for the real check"; fi
  exit 0
fi

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  note "no GPU here (nvidia-smi missing or sees no device): this check runs on a lent GPU machine; try --dry-run"
  exit 2
fi
if ! command -v nvcc >/dev/null; then
  for d in /usr/local/cuda/bin /usr/local/cuda-13.0/bin; do [[ -x $d/nvcc ]] && export PATH=$d:$PATH; done
fi
command -v nvcc >/dev/null || { note "nvcc not found"; exit 2; }

# 1. Build into the machine's own Python (the one with torch, numpy, pybind11,
# scikit-build-core, ninja and nvidia-cublas; a venv over it would not see them when it is
# itself a venv, and the machine is discarded afterwards), so pip has nothing to fetch; the
# index is switched off to be sure.
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export DAGNET_CUDA=ON DAGNET_WERROR=OFF CMAKE_GENERATOR=Ninja
export CMAKE_BUILD_PARALLEL_LEVEL=$(nproc)
export CMAKE_ARGS="-DCMAKE_CUDA_ARCHITECTURES=90 ${CMAKE_ARGS:-}"
build() {
  set -e
  cd "$ROOT"
  "$PY" -m pip install --no-build-isolation --no-deps -e . -v
  cd /  # import the installed package, not the source folder
  "$PY" -c "import dagnet; print(dagnet.info()); assert 'cuda:0' in dagnet.devices(), dagnet.devices()"
}
export ROOT PY
phase build 270 bash -c "$(declare -f build); build" || exit 1

# 2. The CUDA tests: tests/test_*cuda*.py (those marked `cuda` and the kernel families' own
# GPU checks); a per-test timeout keeps one hang from eating the budget.
TEST_ARGS=(-q -p no:cacheprovider -rfE)
"$PY" -c "import pytest_timeout" 2>/dev/null && TEST_ARGS+=(--timeout=90)
(cd "$ROOT" && export DAGNET_CUDA_PARITY_EXAMPLES=${DAGNET_CUDA_PARITY_EXAMPLES:-2} &&
  phase tests 130 "$PY" -m pytest "${TEST_ARGS[@]}" tests/test_*cuda*.py)

# 3. The timings (the table is rewritten after each model, so a timeout keeps what ran).
phase bench 150 env PYTHONUNBUFFERED=1 "$PY" "$ROOT/benchmarks/gpu/bench.py" --out "$OUT/bench.md" \
  --steps "${DAGNET_GPU_STEPS:-30}" --cap 3
exit 0
