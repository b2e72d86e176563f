"""`neuron-pursuit predict` in Python: a model.json applied to the rows of a CSV file, with NumPy (or PyTorch).

    python3 -m neuron_pursuit --model runs/mine/model.json --data x.csv [--drop id] [--out y.csv] [--torch]

(with python/ on PYTHONPATH). The columns are picked as the command line picks them, and the same mistakes are
one-line errors and exit code 1.
"""

import argparse
import math
import sys

import numpy as np

from .model import load_model, write_atomic


def read_csv(path):
    """A numeric CSV with a header row, as strict as `neuron-pursuit predict`: (column names, n × c array)."""
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip() != ""]
    if not lines:
        raise ValueError(f"{path} is empty (expected a header row and data rows)")

    def cells(line):
        return [unquote(c.strip()) for c in line.split(",")]

    columns = cells(lines[0])
    rows = []
    for i, line in enumerate(lines[1:], start=2):
        row = cells(line)
        if len(row) != len(columns):
            raise ValueError(f"{path}: a row has {len(row)} cells, expected {len(columns)}")
        try:
            values = [float(c) for c in row]
        except ValueError:
            raise ValueError(f"{path}: a row holds a non-numeric cell") from None
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"{path}: a row holds a non-finite cell")
        rows.append(values)
    return columns, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(columns))


def select_columns(model, columns, table, path, drop):
    """The feature columns, as `neuron-pursuit predict` picks them: by name for a model trained on CSV data (a
    missing feature, or a column that is neither a feature, a target nor dropped, is an error); otherwise every
    column not dropped, in order."""
    if model.features is None:
        return table[:, [j for j, c in enumerate(columns) if c not in drop]]
    missing = [f for f in model.features if f not in columns]
    if missing:
        raise ValueError(f"{path}: feature column(s) {', '.join(missing)} missing; the model reads "
                         f"{', '.join(model.features)}")
    known = set(model.features) | set(model.targets or []) | set(drop)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"{path}: column(s) {', '.join(unknown)} not among the model's features or targets; "
                         f"to ignore them, pass --drop")
    return table[:, [columns.index(f) for f in model.features]]


def unquote(cell):
    return cell[1:-1] if len(cell) >= 2 and cell.startswith('"') and cell.endswith('"') else cell


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m neuron_pursuit", description="predict with a model.json, as `neuron-pursuit predict` does"
    )
    parser.add_argument("--model", required=True, help="a model.json written by neuron-pursuit train")
    parser.add_argument("--data", required=True, help="inputs: a header row, then one row per point")
    parser.add_argument("--drop", action="append", default=[], help="a column of --data to ignore (repeat for more)")
    parser.add_argument("--out", help="write predictions here (default: stdout)")
    parser.add_argument("--torch", action="store_true", help="predict through to_torch() instead of NumPy")
    args = parser.parse_args(argv)
    try:
        model = load_model(args.model)
        columns, table = read_csv(args.data)
        table = select_columns(model, columns, table, args.data, args.drop)
        if table.shape[1] != model.feature_count:
            d = model.feature_count
            raise ValueError(f"{args.data} has {table.shape[1]} feature columns, the model takes {d}")
        if args.torch:
            import torch

            with torch.no_grad():
                Y = model.to_torch()(torch.as_tensor(table)).numpy()
        else:
            Y = model.predict(table)
    except (ValueError, OSError, ImportError) as err:
        print(f"neuron_pursuit: error: {err}", file=sys.stderr)
        return 1
    text = "\n".join([",".join(model.output_names())] + [",".join(repr(float(v)) for v in row) for row in Y]) + "\n"
    if args.out:
        write_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    return 0
