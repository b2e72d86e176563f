"""Neuron Pursuit as scikit-learn estimators: NeuronPursuitRegressor and NeuronPursuitClassifier.

    from neuron_pursuit import NeuronPursuitRegressor
    model = NeuronPursuitRegressor(max_iterations=10, intercept=True, standardize=True).fit(X, y)
    y_hat = model.predict(X_new)

Settings go to the constructor (the flags of `neuron-pursuit train`, snake_case); `fit` runs that command (cli.py)
and keeps what it learned in attributes ending in `_`; `predict` runs in NumPy, through the loader's forward pass
(model.py). They are BaseEstimators, so get_params, set_params, clone, Pipeline, cross_val_score and GridSearchCV
work as with any scikit-learn estimator.
"""

import numbers
import re

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import cli
from .model import NeuronPursuitModel

try:  # scikit-learn ≥ 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # the method it replaced (Debian bookworm's 1.2)

    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


# The settings that are switches of `train`: given as the flag when True.
_SWITCHES = ("joint", "balance", "intercept", "standardize")

# The settings whose flag is not --<name with hyphens>.
_FLAGS = {"random_state": "--seed"}


_PARAMETERS = """
    Parameters (None: the command's default, given in brackets; `neuron-pursuit train --help` and
    docs/algorithm.md §10 say more):

    max_iterations : NP iteration cap K [31].
    target_error : relative training error target ε [1e-3]; the regressor stops below it.
    depth : number of layers L ≥ 2 [3].
    activation : relu, leaky-relu, square, squared-relu, linear or custom [relu].
    alpha : negative slope α of leaky-relu and custom activations, in [-1, 1] [0.1 for leaky-relu].
    p : degree p ≥ 1 of a custom activation.
    intercept : append a constant-1 input, which plays the role of a bias [False].
    standardize : centre and scale every feature and target on the training set [False].
    lr : gradient descent step η [0.1].
    gd_steps : GD step cap per iteration [70000].
    tol : GD plateau tolerance, 0 = fixed schedule [1e-6].
    kappa : escape guard of the plateau rule [0.01].
    check_every : GD steps between checks [500].
    max_halvings : divergence guard: halvings of η per GD stage [4].
    halve_on : "rise" or "blow-up": when the guard halves η [rise].
    restarts : PGA restarts [50].
    pga_steps : PGA step cap [2500].
    pga_lr : PGA step size [0.2].
    pga_tol : PGA convergence tolerance on the step [1e-10].
    first_pga_lr, first_pga_steps : PGA step size and step cap at iteration 1 [pga_lr, pga_steps].
    delta1 : first-iteration scale δ₁ [0.25].
    delta_scale : δ = c·‖W̄‖ for later iterations [0.1].
    shrink : δ back-tracking factor β [0.5].
    ncf_threshold : a direction whose NCF is at most this fraction of its bound cannot escape [1e-6].
    zero_slope : σ′ at ties: low, half or high [low].
    growth : neurons or paths [paths for activations with α = 0, neurons otherwise].
    max_path : with growth paths, the longest chain of new neurons [depth − 1].
    top_m : add the m best distinct candidates per iteration [1].
    joint : maximize the joint NCF over all layers (the paper's form) [False].
    balance : rebalance the weights after each GD stage [False].
    random_state : int, RandomState or None: the seed of every random draw (`--seed`). None is the command's
        fixed default seed 0, so an estimator left at None fits the same network every time; a RandomState
        draws the seed from it (and so advances it), as scikit-learn's check_random_state.
"""


class _NeuronPursuit(BaseEstimator):
    """What the regressor and the classifier share: the settings, the fit through the command, the forward pass."""

    def __init__(
        self,
        *,
        max_iterations=None,
        target_error=None,
        depth=None,
        activation=None,
        alpha=None,
        p=None,
        intercept=False,
        standardize=False,
        lr=None,
        gd_steps=None,
        tol=None,
        kappa=None,
        check_every=None,
        max_halvings=None,
        halve_on=None,
        restarts=None,
        pga_steps=None,
        pga_lr=None,
        pga_tol=None,
        first_pga_lr=None,
        first_pga_steps=None,
        delta1=None,
        delta_scale=None,
        shrink=None,
        ncf_threshold=None,
        zero_slope=None,
        growth=None,
        max_path=None,
        top_m=None,
        joint=False,
        balance=False,
        random_state=None,
    ):
        self.max_iterations = max_iterations
        self.target_error = target_error
        self.depth = depth
        self.activation = activation
        self.alpha = alpha
        self.p = p
        self.intercept = intercept
        self.standardize = standardize
        self.lr = lr
        self.gd_steps = gd_steps
        self.tol = tol
        self.kappa = kappa
        self.check_every = check_every
        self.max_halvings = max_halvings
        self.halve_on = halve_on
        self.restarts = restarts
        self.pga_steps = pga_steps
        self.pga_lr = pga_lr
        self.pga_tol = pga_tol
        self.first_pga_lr = first_pga_lr
        self.first_pga_steps = first_pga_steps
        self.delta1 = delta1
        self.delta_scale = delta_scale
        self.shrink = shrink
        self.ncf_threshold = ncf_threshold
        self.zero_slope = zero_slope
        self.growth = growth
        self.max_path = max_path
        self.top_m = top_m
        self.joint = joint
        self.balance = balance
        self.random_state = random_state

    def _flags(self, stop_on):
        """The settings as `train` flags, each with the parameter it came from."""
        flags, origins = ["--stop-on", stop_on], {}
        for name, value in self.get_params().items():
            flag = _FLAGS.get(name, "--" + name.replace("_", "-"))
            if name in _SWITCHES:
                if value not in (True, False):  # also numpy's bools
                    raise cli.InvalidParameterError(f"{name} must be True or False, got {value!r}")
                if value:
                    flags.append(flag)
                    origins[flag] = f"{name}={value!r}"
                continue
            if name == "random_state":
                value = _seed(value)
            if value is None:
                continue
            flags += [flag, _text(value)]
            origins[flag] = f"{name}={value!r}"
        return flags, origins

    def _fit_network(self, X, Y, stop_on, targets):
        """Fit on X and Y (float64, n × d and n × m) through the command; `targets` names Y's columns if it can."""
        flags, origins = self._flags(stop_on)
        # model.json keeps the column names: a DataFrame's, else x1 … xd (what `neuron-pursuit predict` reads).
        generic = [f"x{j + 1}" for j in range(X.shape[1])]
        features = _csv_names(getattr(self, "feature_names_in_", None), generic)
        generic = ["y"] if Y.shape[1] == 1 else [f"y{k + 1}" for k in range(Y.shape[1])]
        targets = _csv_names(targets, generic, taken=features)
        while set(targets) & set(features):  # a feature named y
            targets = ["_" + name for name in targets]
        try:
            model, history, summary = cli.train(X, Y, features, targets, flags)
        except cli.NeuronPursuitError as err:
            origin = _refused_parameter(str(err), origins)
            if origin is not None:
                raise cli.InvalidParameterError(f"{err} (from the parameter {origin})") from None
            raise
        self.model_ = NeuronPursuitModel(model)
        self.weights_ = self.model_.layers
        self.widths_ = list(summary["widths"])
        self.history_ = history["history"]
        self.n_iter_ = summary["iterations"]
        self.stop_reason_ = summary["stopReason"]
        self.train_error_ = summary["trainError"]
        return self

    def _network_outputs(self, X):
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False, dtype=np.float64)
        return self.model_.predict(X)


class NeuronPursuitRegressor(RegressorMixin, _NeuronPursuit):
    __doc__ = (
        """Neuron Pursuit regression: grows a deep homogeneous network one neuron at a time, and stops at the
    training error target, at the iteration cap, or when no candidate correlates with the residual any more.
    y may have several columns (one output each).

    Attributes after fit: model_ (the network, NeuronPursuitModel: model_.to_torch() builds it in PyTorch),
    weights_ (W_1 … W_L, each k_l × k_(l−1)), widths_ (hidden widths), history_ (one dict per NP iteration, as
    history.json), n_iter_, stop_reason_, train_error_ (relative squared error; of the standardized targets with
    standardize), n_features_in_, feature_names_in_ (for a DataFrame with string column names), n_outputs_.
    """
        + _PARAMETERS
    )

    def fit(self, X, y):
        X, y = _validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self._y_columns = y.ndim == 2
        Y = y if self._y_columns else y.reshape(-1, 1)
        self.n_outputs_ = Y.shape[1]
        return self._fit_network(X, Y, "regression", targets=None)

    def predict(self, X):
        Y = self._network_outputs(X)
        return Y if self._y_columns else Y[:, 0]

    def _more_tags(self):
        return {"multioutput": True}


class NeuronPursuitClassifier(ClassifierMixin, _NeuronPursuit):
    __doc__ = (
        """Neuron Pursuit classification: one output per class, fitted to the one-hot labels by least squares
    (as the paper's classification tasks), and NP stops as soon as no training point is misclassified
    (`--stop-on classification`), else at the iteration cap or when no candidate correlates with the residual.
    predict gives the class of the largest output; decision_function gives the outputs (for two classes, the
    second output minus the first). The outputs are scores, not probabilities, so there is no predict_proba
    (scikit-learn's CalibratedClassifierCV makes probabilities from decision_function).

    Attributes after fit: classes_, and those of NeuronPursuitRegressor but n_outputs_ (train_error_ is the
    relative squared error on the one-hot targets).
    """
        + _PARAMETERS
    )

    def fit(self, X, y):
        X, y = _validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y holds one class, {self.classes_[0]!r}"
            )
        # One output per class, named by the class where the names make CSV columns.
        return self._fit_network(X, np.eye(len(self.classes_))[codes], "classification", targets=self.classes_)

    def decision_function(self, X):
        Y = self._network_outputs(X)
        return Y[:, 1] - Y[:, 0] if Y.shape[1] == 2 else Y

    def predict(self, X):
        scores = self._network_outputs(X)  # first: it raises NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(scores, axis=1)]


def _refused_parameter(message, origins):
    """The parameter whose flag the command's error names ('--flag <value>' from the parser, '--flag:' from the
    option checks), as `name=value`; None when it names none."""
    for flag, origin in origins.items():
        if re.search(rf"(^|[\s']){re.escape(flag)}[\s:]", message):
            return origin
    return None


def _csv_names(names, generic, taken=()):
    """`names` as CSV columns if they can be (distinct, not blank, no spaces around, no line break, none taken),
    else `generic`."""
    if names is None:
        return generic
    names = [str(name) for name in names]
    usable = all(name and name == name.strip() and "\n" not in name and "\r" not in name for name in names)
    if not usable or len(set(names)) < len(names) or set(names) & set(taken):
        return generic
    return names


def _seed(random_state):
    """random_state as the command's --seed: None stays the command's default (0); an int is the seed."""
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, (bool, np.bool_)):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _text(value):
    """A setting as the command reads it; floats exactly (repr round-trips a float64)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return repr(float(value))
    return str(value)
