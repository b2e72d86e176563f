#!/usr/bin/env bash
# Debian's python3 with NumPy (python/neuron_pursuit.py's one dependency) and the ONNX package (its checker
# validates the exported models) for the tests: test/python.test.ts and test/onnx.test.ts; pandas reads the run
# table back in test/run-table.test.ts. No pip, no download beyond Debian's archive.
set -euo pipefail
python=/usr/bin/python3
if [ -x "$python" ] && "$python" -c 'import numpy, onnx.checker, pandas' >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-python: $python lacks numpy, onnx or pandas and this is not root:" \
    "install Debian's python3-numpy, python3-onnx and python3-pandas" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-numpy python3-onnx python3-pandas >/dev/null
"$python" -c 'import numpy, onnx.checker, pandas'
