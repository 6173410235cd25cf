# Sourced by tools/sanitize.sh and tools/fuzz.sh: a venv at build/tools-venv holding
# CMake, Ninja, pybind11 and the test dependencies (not dagnet: the sanitizer runs put a
# sanitized build of the package on PYTHONPATH), put first on PATH as $venv.
venv=$(pwd)/build/tools-venv
if [[ ! -x $venv/bin/python ]]; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install -q cmake ninja pybind11 numpy pytest h5py hypothesis
fi
export PATH=$venv/bin:$PATH
