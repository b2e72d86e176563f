"""neuron-pursuit from Python (put python/ on sys.path or PYTHONPATH):

    from neuron_pursuit import NeuronPursuitRegressor, NeuronPursuitClassifier  # fit and predict, scikit-learn style
    from neuron_pursuit import load_model  # a model.json that `neuron-pursuit train` wrote, in NumPy or PyTorch

model.py     the model file and the network's forward pass in NumPy (NumPy only; PyTorch for to_torch)
predict.py   `python3 -m neuron_pursuit --model M --data X.csv`, as `neuron-pursuit predict`
cli.py       the fitter: the Node command `neuron-pursuit train`, found and run in a subprocess
estimators.py  the scikit-learn estimators (they need scikit-learn; the loader does not)
"""

from .cli import InvalidParameterError, NeuronPursuitError
from .model import ModelError, NeuronPursuitModel, load_model
from .predict import main

_ESTIMATORS = ("NeuronPursuitRegressor", "NeuronPursuitClassifier")

__all__ = [
    "InvalidParameterError",
    "ModelError",
    "NeuronPursuitError",
    "NeuronPursuitModel",
    "load_model",
    "main",
    *_ESTIMATORS,
]


def __getattr__(name):
    # The estimators import scikit-learn, so only when asked for: load_model needs NumPy alone.
    if name in _ESTIMATORS:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
