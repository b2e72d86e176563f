"""A network grown by neuron-pursuit, loaded from its model.json: predict with NumPy, or build an equivalent
torch.nn.Module.

    from neuron_pursuit import load_model
    model = load_model("runs/mine/model.json")
    Y = model.predict(X)      # X: n × d, the feature columns in the order of model.features
    net = model.to_torch()    # a torch.nn.Module computing the same (float64), when PyTorch is installed

NumPy only (PyTorch only for to_torch): this file works on its own, copied anywhere. It reads the model format of
src/io/model-format.ts ("neuron-pursuit-model", versions 1 and 2). The network (docs/algorithm.md §1): h_0 = x,
z_l = W_l h_{l-1}, h_l = σ(z_l) for l < L, H(x) = z_L, σ(z) = max(z, αz)^p. A model trained with preprocessing
standardizes x' = (x − featureMean) / featureScale, appends a constant-1 column when it has an intercept, and
predicts H(x') · targetScale + targetMean (each part only when the file has it). This is the one forward pass of the
Python side: the scikit-learn estimators (estimators.py) predict through it too.
"""

import json
import os
import tempfile

import numpy as np

MODEL_FORMAT = "neuron-pursuit-model"
MODEL_FORMAT_VERSIONS = (1, 2)  # 2 added the optional preprocessing field


class ModelError(ValueError):
    """A model file this loader cannot use; the message is one line naming what is wrong."""


class NeuronPursuitModel:
    """A loaded model.json: the weights (float64), the activation, and the columns and preprocessing if saved."""

    def __init__(self, data):
        if not isinstance(data, dict):
            raise ModelError("invalid model file: not a JSON object")
        if data.get("format") != MODEL_FORMAT:
            found = json.dumps(data.get("format"))
            raise ModelError(f'invalid model file: format is {found}, expected "{MODEL_FORMAT}"')
        if data.get("version") not in MODEL_FORMAT_VERSIONS:
            raise ModelError(
                f"invalid model file: format version {json.dumps(data.get('version'))} is not supported "
                "(this loader reads versions 1 and 2)"
            )
        activation = data.get("activation") or {}
        try:
            self.p = float(activation["p"])
            self.alpha = float(activation["alpha"])
        except (KeyError, TypeError, ValueError):
            raise ModelError("invalid model file: activation must have a name, p and alpha") from None
        self.activation = str(activation.get("name", "custom"))
        self.widths = data.get("widths")
        if (
            not isinstance(self.widths, list)
            or len(self.widths) < 3
            or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in self.widths)
        ):
            raise ModelError("invalid model file: widths must be a list of at least 3 positive integers")
        layers = data.get("layers", [])
        if len(layers) != len(self.widths) - 1:
            raise ModelError(f"invalid model file: expected {len(self.widths) - 1} layers")
        self.layers = []
        for l, flat in enumerate(layers):
            rows, cols = self.widths[l + 1], self.widths[l]
            w = np.asarray(flat, dtype=np.float64)
            if w.shape != (rows * cols,) or not np.all(np.isfinite(w)):
                raise ModelError(f"invalid model file: layer {l + 1} must hold {rows * cols} finite weights")
            self.layers.append(w.reshape(rows, cols))  # W_l, row-major k_l × k_{l-1}
        pre = data.get("preprocessing") or {}
        self.intercept = bool(pre.get("intercept", False))
        self.feature_count = self.widths[0] - (1 if self.intercept else 0)
        self.output_count = self.widths[-1]
        self.feature_mean = self._vector(pre, "featureMean", self.feature_count)
        self.feature_scale = self._vector(pre, "featureScale", self.feature_count)
        self.target_mean = self._vector(pre, "targetMean", self.output_count)
        self.target_scale = self._vector(pre, "targetScale", self.output_count)
        # The CSV columns the model was trained on, in order (None for a model trained on a task).
        self.features = self._names(data, "features", self.feature_count)
        self.targets = self._names(data, "targets", self.output_count)
        self._json = data  # for save: the file as read, every field kept

    def save(self, path):
        """Write the model file again, as it was read (for `neuron-pursuit predict` or `export`)."""
        write_atomic(path, json.dumps(self._json))

    @staticmethod
    def _vector(pre, field, count):
        if field not in pre:
            return None
        v = np.asarray(pre[field], dtype=np.float64)
        if v.shape != (count,) or not np.all(np.isfinite(v)):
            raise ModelError(f"invalid model file: preprocessing.{field} must hold {count} finite numbers")
        return v

    @staticmethod
    def _names(data, field, count):
        if field not in data:
            return None
        if len(data[field]) != count:
            raise ModelError(f"invalid model file: {field} must name {count} columns")
        return [str(name) for name in data[field]]

    def output_names(self):
        """The saved target names, else those `neuron-pursuit predict` writes: y, or y1 … ym."""
        if self.targets is not None:
            return self.targets
        return ["y"] if self.output_count == 1 else [f"y{i + 1}" for i in range(self.output_count)]

    def sigma(self, z):
        """σ(z) = max(z, αz)^p elementwise; p = 2 as m·m, as the TypeScript kernels compute it."""
        m = np.where(z > 0, z, self.alpha * z)
        if self.p == 1:
            return m
        if self.p == 2:
            return m * m
        return np.power(m, self.p)

    def network_inputs(self, X):
        """The rows the network sees: standardized features, then the constant-1 column when it has an intercept."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.feature_count:
            raise ValueError(f"the model takes {self.feature_count} feature columns, got an array of shape {X.shape}")
        if self.feature_mean is not None:
            X = X - self.feature_mean
        if self.feature_scale is not None:
            X = X / self.feature_scale
        if self.intercept:
            X = np.hstack([X, np.ones((X.shape[0], 1))])
        return X

    def predict(self, X):
        """The model's predictions (n × m, float64) for the rows of X (n × d, the features in order)."""
        h = self.network_inputs(X)
        for l, w in enumerate(self.layers):
            h = h @ w.T
            if l < len(self.layers) - 1:
                h = self.sigma(h)
        if self.target_scale is not None:
            h = h * self.target_scale
        if self.target_mean is not None:
            h = h + self.target_mean
        return h

    def to_torch(self, dtype=None):
        """A torch.nn.Module computing `predict` on a tensor of the features (float64 unless `dtype` says)."""
        import torch  # only here: the loader needs NumPy alone

        return _torch_module(torch, self, dtype or torch.float64)


def _torch_module(torch, model, dtype):
    nn = torch.nn

    class HomogeneousActivation(nn.Module):
        """σ(z) = max(z, αz)^p."""

        def __init__(self, p, alpha):
            super().__init__()
            self.p, self.alpha = p, alpha

        def forward(self, z):
            m = torch.where(z > 0, z, self.alpha * z)
            if self.p == 1:
                return m
            if self.p == 2:
                return m * m
            return torch.pow(m, self.p)

        def extra_repr(self):
            return f"p={self.p}, alpha={self.alpha}"

    class NeuronPursuitNetwork(nn.Module):
        """Preprocessing (buffers, when the model has it), then Linear layers without bias and σ between them."""

        def __init__(self):
            super().__init__()
            layers = []
            for l, w in enumerate(model.layers):
                linear = nn.Linear(w.shape[1], w.shape[0], bias=False, dtype=dtype)
                with torch.no_grad():
                    linear.weight.copy_(torch.as_tensor(w, dtype=dtype))
                layers.append(linear)
                if l < len(model.layers) - 1:
                    layers.append(HomogeneousActivation(model.p, model.alpha))
            self.network = nn.Sequential(*layers)
            self.intercept = model.intercept
            for name in ("feature_mean", "feature_scale", "target_mean", "target_scale"):
                value = getattr(model, name)
                self.register_buffer(name, None if value is None else torch.as_tensor(value, dtype=dtype))

        def forward(self, x):
            if self.feature_mean is not None:
                x = x - self.feature_mean
            if self.feature_scale is not None:
                x = x / self.feature_scale
            if self.intercept:
                x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype, device=x.device)], dim=1)
            y = self.network(x)
            if self.target_scale is not None:
                y = y * self.target_scale
            if self.target_mean is not None:
                y = y + self.target_mean
            return y

    return NeuronPursuitNetwork()


def load_model(path):
    """The model of a model.json file (written by `neuron-pursuit train --out`)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as err:
        raise ModelError(f"{path}: {err.strerror}") from None
    except json.JSONDecodeError:
        raise ModelError(f"invalid model file: {path} is not valid JSON") from None
    return NeuronPursuitModel(data)


def write_atomic(path, text):
    """Write a text file as the TypeScript CLI does: beside the target, then rename, so no half-written file is
    ever left."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".neuron-pursuit-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
