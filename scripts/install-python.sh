#!/usr/bin/env bash
# Debian's python3 with NumPy (the Python loader's one dependency), scikit-learn and pandas (the estimators of
# python/neuron_pursuit, and the pandas workflows their tests run), and the ONNX package (its checker validates the
# exported models), for the tests: test/python.test.ts, test/sklearn.test.ts, test/onnx.test.ts and the python
# blocks of the docs; pandas also reads the run table back in test/run-table.test.ts. No pip, no download beyond
# Debian's archive.
set -euo pipefail
python=/usr/bin/python3
check='import numpy, onnx.checker, sklearn, pandas'
if [ -x "$python" ] && "$python" -c "$check" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-python: $python lacks numpy, onnx, sklearn or pandas and this is not root:" \
    "install Debian's python3-numpy, python3-onnx, python3-sklearn and python3-pandas" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-numpy python3-onnx python3-sklearn python3-pandas \
  >/dev/null
"$python" -c "$check"
