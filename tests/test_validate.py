"""The messages of aelib's input checks: they name the argument, what it got and what is allowed."""

import math

import pytest
import torch

from aelib import data, metrics, models, train, validate


@pytest.mark.parametrize("call, error, message", [
    (lambda: models.Autoencoder().loss(torch.rand(3, 1, 20, 20)), ValueError,
     r"x must be a batch of shape \(N, 1, 28, 28\) or \(N, 784\), got \(3, 1, 20, 20\)"),
    (lambda: models.Autoencoder().encode(torch.rand(2, 784, dtype=torch.float64)), TypeError,
     r"x is torch.float64 but Autoencoder's weights are torch.float32; convert it with x.to"),
    (lambda: models.Autoencoder().encode((torch.rand(2, 784) * 255).to(torch.uint8)), TypeError,
     r"x must be a floating-point tensor, got torch.uint8; convert it with x.float\(\)"),
    (lambda: models.Autoencoder().decode(torch.rand(2, 29)), ValueError,
     r"z must be a batch of shape \(N, 30\), got \(2, 29\)"),
    (lambda: models.ConvAutoencoder().loss(torch.full((2, 1, 28, 28), math.nan)), ValueError,
     r"x contains 1568 NaN or infinite values \(of 1568\); clean the data first"),
    (lambda: models.VAE().loss(torch.rand(2, 1, 28, 28)), ValueError,
     r"x must be binary \(0/1\) for a Bernoulli likelihood, got values in \[.*\]; use aelib.data.binarize"),
    (lambda: models.PixelCNN().nll(torch.zeros(0, 1, 28, 28)), ValueError,
     r"x is empty \(shape \(0, 1, 28, 28\)\); pass at least one example"),
    (lambda: models.Classifier().loss(torch.rand(2, 784), torch.tensor([0, 10])), ValueError,
     r"y must hold labels 0..9, got values in 0..10"),
    (lambda: data.binarize(torch.rand(2, 1, 28, 28) * 2), ValueError,
     r"x must lie in \[0, 1\] \(pixel intensities\), got values in \[.*\]; rescale it"),
    (lambda: metrics.knn_accuracy(torch.rand(4, 3), torch.tensor([0, 1, 0, 1]), torch.rand(2, 3),
                                  torch.tensor([0, 1]), k=5), ValueError,
     r"k must be an integer in 1..4 \(the database size\), got 5"),
    (lambda: train.fit(models.LinearAutoencoder(2), torch.rand(8, 784), steps=1, lr=math.nan), ValueError,
     r"lr must be a finite number > 0, got nan"),
    (lambda: train.fit(models.LinearAutoencoder(2), [[0.0] * 784], steps=1), TypeError,
     r"x_train must be a torch.Tensor, got list"),
    (lambda: data.random_shift(torch.rand(2, 1, 28, 28), -1), ValueError,
     r"max_shift must be an integer >= 0, got -1"),
    (lambda: models.StackedAutoencoder((784, 64, 8)).encode(torch.rand(2, 784), depth=3), ValueError,
     r"depth must be an integer in 0..2 \(the number of layers\), got 3"),
])
def test_bad_input_gets_a_message_that_names_it(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_good_input_passes_through_unchanged():
    x = torch.rand(3, 1, 28, 28)
    assert validate.batch(x, "x", (1, 28, 28)) is x
    assert validate.batch(x.flatten(1), "x", (1, 28, 28)) is not None
    assert validate.number(3, "n", minimum=0) == 3.0
    assert validate.choice("a", "kind", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="x must be a batch of shape"):
        validate.batch(x.flatten(1), "x", (1, 28, 28), flat_ok=False)


def test_numpy_numbers_are_numbers():
    import numpy as np

    assert type(validate.positive_int(np.int64(3), "k")) is int
    assert validate.number(np.float32(0.5), "level", minimum=0) == 0.5
    with pytest.raises(ValueError, match="k must be an integer >= 1, got True"):
        validate.positive_int(True, "k")


def test_declared_constraints_say_what_is_allowed():
    class Model:
        _parameter_constraints = {"hidden": validate.Interval(1, integer=True),
                                  "rho": validate.Interval(0, 1, closed="neither", what="the target"),
                                  "rate": validate.Interval(0, 1, closed="right"),
                                  "penalty": validate.Options(("kl", "l1"))}

    good = {"hidden": 3, "rho": 0.05, "rate": 1.0, "penalty": "kl"}
    validate.parameters(Model(), good)
    for arg, bad, message in [("hidden", 0, "Model: hidden must be an integer >= 1, got 0"),
                              ("hidden", 2.5, "hidden must be an integer >= 1"),
                              ("hidden", True, "hidden must be an integer >= 1"),
                              ("rho", 1.0, r"rho \(the target\) must be in \(0, 1\), got 1.0"),
                              ("rho", float("nan"), "rho"),
                              ("rate", 0.0, r"rate must be in \(0, 1\]"),
                              ("penalty", "l2", "penalty must be one of 'kl', 'l1', got 'l2'")]:
        with pytest.raises(ValueError, match=message):
            validate.parameters(Model(), good | {arg: bad})


def test_models_check_their_declared_constraints_before_building():
    with pytest.raises(ValueError, match=r"SparseAutoencoder: rho \(the target average activation\)"):
        models.SparseAutoencoder(rho=0.0)
    with pytest.raises(ValueError, match="VAE: objective must be one of 'iwae', 'elbo'"):
        models.VAE(objective="kl")
    with pytest.raises(ValueError, match="PixelCNN: layers must be an integer >= 1"):
        models.PixelCNN(layers=0)
