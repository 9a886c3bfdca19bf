"""Property-based tests: random shapes, dtypes and values thrown at aelib's public functions.

Every call either returns a correct result (the right shape, finite numbers) or raises a
``ValueError`` / ``TypeError`` whose message names the offending argument: never another
exception (an obscure PyTorch traceback), a hang (each example has a deadline) or a silent
NaN. Under CI the examples are derandomized, so that a run is reproducible.
"""

import math
import os
from datetime import timedelta

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aelib import data, filters, metrics, models, plot, train
from aelib.pca import PCA
from aelib.tsne import TSNE

PROPERTY = settings(max_examples=int(os.environ.get("AELIB_PROPERTY_EXAMPLES", 30)),
                    deadline=timedelta(seconds=30), derandomize=bool(os.environ.get("CI")),
                    database=None, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.function_scoped_fixture])
DTYPES = [torch.float32] * 4 + [torch.float64, torch.int64, torch.uint8, torch.bool]
VALUES = ["unit", "binary", "wide", "nan", "inf", "counts"]


@st.composite
def tensors(draw, example_shape: tuple[int, ...] | None = None, max_rank: int = 5):
    """A tensor that often fits ``example_shape`` (a batch of 1..4 such examples, sometimes
    flattened) and otherwise has a random shape, with a random dtype and random values."""
    if example_shape is not None and draw(st.booleans()):
        n = draw(st.integers(0, 4) if draw(st.integers(0, 9)) == 0 else st.integers(1, 4))
        shape = (n, math.prod(example_shape)) if draw(st.booleans()) else (n, *example_shape)
    else:
        shape = tuple(draw(st.lists(st.integers(0, 5), min_size=0, max_size=max_rank)))
    dtype = draw(st.sampled_from(DTYPES))
    kind = draw(st.sampled_from(VALUES))
    generator = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    x = torch.rand(shape, generator=generator, dtype=torch.float64)
    if kind == "binary":
        x = (x > 0.5).double()
    elif kind == "wide":
        x = 6 * x - 3
    elif kind == "counts":
        x = (10 * x).floor()
    elif x.numel() and kind in ("nan", "inf"):
        x.view(-1)[draw(st.integers(0, x.numel() - 1))] = math.nan if kind == "nan" else -math.inf
    if dtype in (torch.int64, torch.uint8, torch.bool) and kind in ("nan", "inf"):
        x = torch.nan_to_num(x)
    return x.to(dtype)


def labels_for(draw, n: int, classes: int = 3):
    """Labels for n examples, sometimes of the wrong length, dtype or range."""
    choice = draw(st.integers(0, 7))
    if choice == 0:
        return torch.randint(0, classes, (n + 1,))
    if choice == 1:
        return torch.rand(n)
    if choice == 2:
        return torch.full((n,), -1)
    return torch.arange(n) % classes


def assert_clear_error(err: Exception, *names: str) -> None:
    """The error is a ValueError or TypeError that names one of the arguments."""
    assert isinstance(err, (ValueError, TypeError)), f"unclear error {type(err).__name__}: {err}"
    assert any(name in str(err) for name in names), f"the message names none of {names}: {err}"


def assert_finite(result) -> None:
    """Every number in the result is finite: no silent NaN."""
    if isinstance(result, (tuple, list)):
        for part in result:
            assert_finite(part)
    elif isinstance(result, torch.Tensor):
        assert torch.isfinite(result.double()).all(), f"non-finite result {result}"
    elif isinstance(result, np.ndarray):
        assert np.isfinite(result).all(), f"non-finite result {result}"
    elif isinstance(result, (int, float)):
        assert math.isfinite(result), f"non-finite result {result}"


def call(fn, *names: str):
    """fn() or, if it raises, check that the error is clear; returns the result or None."""
    try:
        result = fn()
    except Exception as err:  # noqa: BLE001 - the property is about which errors escape
        assert_clear_error(err, *names)
        return None
    assert_finite(result)
    return result


# ----------------------------------------------------------------------------- models

def _small_models() -> dict[str, torch.nn.Module]:
    """Every model class of aelib.models, constructed with no arguments (the defaults)."""
    classes = {name: getattr(models, name) for name in models.__all__}
    return {name: cls().eval() for name, cls in classes.items()
            if isinstance(cls, type) and issubclass(cls, torch.nn.Module)}


MODELS = _small_models()
EXAMPLE_SHAPE = {"DocumentAutoencoder": (2000,), "ConvLayerAutoencoder": (1, 28, 28)}
CASES = [(name, method) for name, model in MODELS.items()
         for method in ("encode", "forward", "loss", "nll")
         if callable(getattr(model, method, None)) and not (name == "Classifier" and method == "loss")
         and not (method == "forward" and type(model).forward is torch.nn.Module.forward)]


@pytest.mark.parametrize("name,method", CASES, ids=[f"{n}.{m}" for n, m in CASES])
@PROPERTY
@given(draws=st.data())
def test_models_give_a_result_or_a_clear_error(name, method, draws):
    model = MODELS[name]
    x = draws.draw(tensors(EXAMPLE_SHAPE.get(name, (1, 28, 28))), label="x")
    kwargs = {"k": 2} if (name == "VAE" and method == "nll") else {}
    with torch.no_grad():
        result = call(lambda: getattr(model, method)(x, **kwargs), "x", "h")  # h: a layer's input
    if result is not None:
        batch = result[0] if isinstance(result, tuple) else result
        assert batch.dim() == 0 if method == "loss" else len(batch) == len(x)


DECODERS = [name for name, model in MODELS.items()
            if callable(getattr(model, "decode", None))
            and isinstance(getattr(model, "code_size", None), int)]


@pytest.mark.parametrize("name", DECODERS)
@PROPERTY
@given(draws=st.data())
def test_decoders_give_a_result_or_a_clear_error(name, draws):
    model = MODELS[name]
    z = draws.draw(tensors((model.code_size,), max_rank=3), label="z")
    with torch.no_grad():
        result = call(lambda: model.decode(z), "z", "h")
    if result is not None:
        assert len(result) == len(z)


@PROPERTY
@given(draws=st.data())
def test_classifier_loss_checks_inputs_and_labels(draws):
    model = MODELS["Classifier"]
    x = draws.draw(tensors((1, 28, 28)), label="x")
    y = labels_for(draws.draw, len(x) if x.dim() else 0, classes=model.classes)
    with torch.no_grad():
        call(lambda: model.loss(x, y), "x", "y")


# ----------------------------------------------------------------------------- metrics and data

@PROPERTY
@given(a=tensors((1, 4, 4)), b=tensors((1, 4, 4)))
def test_reconstruction_metrics(a, b):
    if call(lambda: metrics.reconstruction_error(a, b), "reconstruction", "x") is not None:
        assert metrics.reconstruction_error(a, b) >= 0
    call(lambda: metrics.psnr(a, b), "reconstruction", "x")


@PROPERTY
@given(a=tensors((3,), max_rank=3), b=tensors((3,), max_rank=3))
def test_principal_angles_and_mmd(a, b):
    angles = call(lambda: metrics.principal_angles(a, b), "a", "b")
    if angles is not None:
        assert ((angles >= 0) & (angles <= 90 + 1e-3)).all()
    if call(lambda: metrics.mmd(a, b), "a", "b") is not None:
        assert metrics.mmd(a, b) >= -1e-9


@PROPERTY
@given(draws=st.data())
def test_neighbour_metrics_and_probe(draws):
    train_x = draws.draw(tensors((3,), max_rank=3), label="train_x")
    test_x = draws.draw(tensors((3,), max_rank=3), label="test_x")
    n_train = len(train_x) if train_x.dim() else 0
    n_test = len(test_x) if test_x.dim() else 0
    train_y, test_y = labels_for(draws.draw, n_train), labels_for(draws.draw, n_test)
    k = draws.draw(st.integers(-1, 5), label="k")
    names = ("train_x", "test_x", "train_y", "test_y", "k", "queries", "database")
    accuracy = call(lambda: metrics.knn_accuracy(train_x, train_y, test_x, test_y, k=k), *names)
    if accuracy is not None:
        assert 0 <= accuracy <= 1
    call(lambda: metrics.precision_at_k(test_x, test_y, train_x, train_y, k=k), *names, "labels")
    probe = call(lambda: metrics.linear_probe(train_x, train_y, test_x, test_y, iterations=5), *names)
    if probe is not None:
        assert 0 <= probe <= 1


@PROPERTY
@given(p=tensors((3,), max_rank=3), nll=tensors((2,), max_rank=2), dims=st.integers(-2, 800))
def test_likelihood_and_sample_scores(p, nll, dims):
    score = call(lambda: metrics.inception_score(p), "probabilities")
    if score is not None:
        assert 1 - 1e-6 <= score <= p.shape[1] + 1e-6 or p.sum(1).sub(1).abs().max() > 1e-6
    call(lambda: metrics.bits_per_dim(nll, dims), "nll_nats", "dims")


@PROPERTY
@given(x=tensors((1, 5, 5)), level=st.one_of(st.floats(-1, 2), st.just(math.nan)),
       kind=st.sampled_from(["gaussian", "masking", "salt-pepper", "blur"]),
       shift=st.integers(-1, 3), threshold=st.one_of(st.none(), st.floats(0, 1), st.just(math.inf)))
def test_image_transforms(x, level, kind, shift, threshold):
    noisy = call(lambda: data.corrupt(x, kind, level), "x", "kind", "level")
    if noisy is not None:
        assert noisy.shape == x.shape
    binary = call(lambda: data.binarize(x, threshold=threshold), "x", "threshold")
    if binary is not None:
        assert binary.shape == x.shape and ((binary == 0) | (binary == 1)).all()
    shifted = call(lambda: data.random_shift(x, shift), "x", "max_shift")
    if shifted is not None:
        assert shifted.shape == x.shape


@PROPERTY
@given(x=tensors((1, 6, 6)), sigma=st.one_of(st.floats(-1, 3), st.just(math.nan)), size=st.integers(-1, 8))
def test_classical_filters(x, sigma, size):
    for name, fn in (("sigma", lambda: filters.gaussian_blur(x, sigma)),
                     ("size", lambda: filters.median_filter(x, size))):
        out = call(fn, "x", name)
        if out is not None:
            assert out.shape == x.shape


@PROPERTY
@given(images=tensors((1, 5, 5)), nrow=st.integers(-1, 4))
def test_image_grid(images, nrow):
    import matplotlib.pyplot as plt

    call(lambda: plot.image_grid(images, nrow=nrow), "images", "nrow")
    plt.close("all")


@PROPERTY
@given(draws=st.data(), per_class=st.integers(-1, 4))
def test_labelled_subset(draws, per_class):
    n = draws.draw(st.integers(0, 12))
    y = labels_for(draws.draw, n)
    chosen = call(lambda: data.labelled_subset(y, per_class), "y", "per_class", "class")
    if chosen is not None:
        assert len(chosen) == per_class * len(torch.unique(y))


@PROPERTY
@given(x=tensors((4,), max_rank=3), k=st.integers(-1, 6))
def test_pca(x, k):
    def fit():
        return PCA(k).fit(x).transform(x)
    codes = call(fit, "X", "n_components")
    if codes is not None:
        assert codes.shape == (len(x), k)


@settings(PROPERTY, max_examples=10)
@given(x=tensors((3,), max_rank=3), perplexity=st.floats(-1, 8))
def test_tsne(x, perplexity):
    def embed():
        return TSNE(perplexity=perplexity, max_iter=250, random_state=0).fit_transform(x)
    y = call(embed, "X", "perplexity")
    if y is not None:
        assert y.shape == (len(x), 2)


# ----------------------------------------------------------------------------- training

@settings(PROPERTY, max_examples=15)
@given(x=tensors((1, 28, 28)), steps=st.integers(-1, 3), batch_size=st.integers(-1, 6),
       lr=st.sampled_from([1e-3, 0.0, -1.0, math.nan, math.inf, True]),
       optimizer=st.sampled_from(["adamw", "sgd", "lbfgs"]))
def test_fit(x, steps, batch_size, lr, optimizer, monkeypatch):
    monkeypatch.setenv("AELIB_PROGRESS", "none")
    model = models.LinearAutoencoder(2)
    names = ("x_train", "steps", "budget", "batch_size", "lr", "optimizer")
    history = call(lambda: train.fit(model, x, steps=steps, batch_size=batch_size, lr=lr,
                                     optimizer=optimizer), *names)
    if history is not None:
        assert history.step[-1] == steps and all(map(math.isfinite, history.step_loss))
