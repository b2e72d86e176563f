#!/usr/bin/env bash
# Debian's python3 with NumPy (python/neuron_pursuit.py's one dependency) and the ONNX package (its checker
# validates the exported models) for the tests: test/python.test.ts and test/onnx.test.ts. No pip, no download
# beyond Debian's archive.
set -euo pipefail
python=/usr/bin/python3
if [ -x "$python" ] && "$python" -c 'import numpy, onnx.checker' >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-python: $python lacks numpy or onnx and this is not root:" \
    "install Debian's python3-numpy and python3-onnx" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-numpy python3-onnx >/dev/null
"$python" -c 'import numpy, onnx.checker'
