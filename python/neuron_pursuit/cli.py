"""The fitter of the Python side: the Node command `neuron-pursuit train`, run in a subprocess (as cmdstanpy drives
CmdStan). The data go to a CSV file in a temporary folder, `train --data … --out run` fits, and the run folder's
model.json, history.json and summary.json come back; the folder is then removed.

Where the command is:

1. the environment variable NEURON_PURSUIT_BIN: the `neuron-pursuit` executable, or its main.js (run with node);
   when it is set, it alone is used;
2. else the package this folder belongs to: ../../dist/src/cli/main.js from here (a checkout built with `npm run
   build`, or python/ inside an installed npm package), run with the `node` on PATH;
3. else `npx --no-install neuron-pursuit`: the package installed in the working directory's node_modules or
   globally (never downloaded).

When none is there, the error says what was tried.
"""

import csv
import io
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

ENV_VARIABLE = "NEURON_PURSUIT_BIN"
PACKAGE_MAIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dist", "src", "cli", "main.js")


class NeuronPursuitError(RuntimeError):
    """The command failed (or could not be found); the message is its one-line error."""


class InvalidParameterError(NeuronPursuitError, ValueError):
    """The command refused a value an estimator passed it (a ValueError, as scikit-learn expects)."""


_found = {}  # (NEURON_PURSUIT_BIN, PATH, cwd) → the command that worked there


def find_command():
    """The command that runs `neuron-pursuit`, as a list (e.g. ["node", ".../main.js"]), or NeuronPursuitError."""
    key = (os.environ.get(ENV_VARIABLE), os.environ.get("PATH"), os.getcwd())
    if key not in _found:
        _found[key] = _search(key[0])
    return _found[key]


def _search(env_value):
    node = shutil.which("node")

    def with_node(path):
        return [node, path] if node else None

    if env_value:
        # Explicit, so never passed over silently: a wrong value is the error.
        path = os.path.abspath(os.path.expanduser(env_value))
        if not os.path.isfile(path):
            raise NeuronPursuitError(f"{ENV_VARIABLE}={env_value}: no such file")
        if path.endswith((".js", ".mjs")):
            if node is None:
                raise NeuronPursuitError(f"{ENV_VARIABLE}={env_value} is a script, and node is not on PATH")
            return with_node(path)
        return [path]
    tried = [f"{ENV_VARIABLE} is not set"]
    package_main = os.path.normpath(PACKAGE_MAIN)
    if not os.path.isfile(package_main):
        tried.append(f"{package_main} does not exist (run `npm run build` in the package)")
    elif node is None:
        tried.append(f"{package_main} is there, but node is not on PATH")
    else:
        return with_node(package_main)
    npx = shutil.which("npx")
    if npx is None:
        tried.append("npx is not on PATH")
    else:
        command = [npx, "--no-install", "neuron-pursuit"]
        try:
            r = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as err:
            tried.append(f"`npx --no-install neuron-pursuit --version` failed: {err}")
        else:
            if r.returncode == 0:
                return command
            tried.append(f"`npx --no-install neuron-pursuit --version` failed: {_last_line(r.stderr) or r.returncode}")
    raise NeuronPursuitError(
        "cannot find the neuron-pursuit command: "
        + "; ".join(tried)
        + f". Install the npm package (npm install neuron-pursuit) or set {ENV_VARIABLE} to its command"
    )


def train(X, Y, features, targets, flags):
    """Fit on X (n × d) and Y (n × m), float64, with these column names and the extra `train` flags: (model.json,
    history.json, summary.json) as parsed JSON."""
    command = find_command()
    with tempfile.TemporaryDirectory(prefix="neuron-pursuit-") as folder:
        header = io.StringIO()
        csv.writer(header, lineterminator="").writerow([*features, *targets])  # names quoted where they must be
        # %.17g round-trips every float64, so the command reads the very numbers it was given.
        data = os.path.join(folder, "train.csv")
        np.savetxt(data, np.hstack([X, Y]), fmt="%.17g", delimiter=",", header=header.getvalue(), comments="")
        target_flags = [flag for name in targets for flag in ("--target", name)]
        args = ["train", "--data", "train.csv", *target_flags, "--out", "run", "--quiet", "--json", "--no-report"]
        r = subprocess.run([*command, *args, *flags], cwd=folder, capture_output=True, text=True)
        if r.returncode != 0:
            raise NeuronPursuitError(_error_line(r.stderr) or f"neuron-pursuit train exited with {r.returncode}")
        run = os.path.join(folder, "run")
        return tuple(_read_json(os.path.join(run, name)) for name in ("model.json", "history.json", "summary.json"))


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _error_line(stderr):
    """The command's error: its last line that says `neuron-pursuit: …` (hints come before it), else the last."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("neuron-pursuit:")]
    return (errors or lines or [""])[-1].strip()


def _last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
