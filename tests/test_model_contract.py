"""Every model class of ``aelib.models`` keeps the contract written in ``aelib/models/base.py``.

Each class is listed under the protocols it follows; a class listed nowhere fails, so a new
model must say what it is. Each is built with no arguments and run on a small batch.
"""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from aelib import models
from aelib.models.base import CodeModel, DensityModel, Trainable

AUTOENCODERS = {"AdversarialAutoencoder", "Autoencoder", "ContractiveAutoencoder", "ConvAutoencoder",
                "DenoisingAutoencoder", "DocumentAutoencoder", "KSparseAutoencoder", "LayerAutoencoder",
                "LinearAutoencoder", "MADEVAE", "SparseAutoencoder", "StackedAutoencoder", "VAE",
                "WTAAutoencoder"}
DENSITY_MODELS = {"IndependentPixels", "MADE", "MADEVAE", "PixelCNN", "RowLSTM", "VAE"}
# The listed exceptions: codes that are a stack of feature maps (code_shape, not code_size).
CODE_MAPS = {"ConvLayerAutoencoder"}
SUPERVISED = {"Classifier"}  # loss(x, y)

MODEL_CLASSES = sorted(name for name, obj in vars(models).items()
                       if name in models.__all__ and inspect.isclass(obj) and issubclass(obj, nn.Module))


def _batch(name: str, n: int = 4) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    if name == "DocumentAutoencoder":
        return torch.randint(0, 3, (n, 2000), generator=g).float()  # word counts
    return torch.bernoulli(torch.full((n, 1, 28, 28), 0.3), generator=g)  # binary images


def _built(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    """Model class ``name`` built with no arguments (seeded), and a batch it takes."""
    torch.manual_seed(0)
    return getattr(models, name)(), _batch(name)


def test_every_model_class_says_which_contract_it_keeps():
    listed = AUTOENCODERS | DENSITY_MODELS | CODE_MAPS | SUPERVISED
    assert sorted(set(MODEL_CLASSES) - listed) == [], "list the new model class above"
    assert sorted(listed - set(MODEL_CLASSES)) == [], "a listed class is no longer exported"


@pytest.mark.parametrize("name", MODEL_CLASSES)
def test_the_model_trains_on_its_loss(name):
    model, x = _built(name)
    assert isinstance(model, Trainable)
    loss = model.loss(x, torch.arange(len(x)) % 10) if name in SUPERVISED else model.loss(x)
    assert loss.shape == () and torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.parametrize("name", sorted(AUTOENCODERS))
def test_the_autoencoder_encodes_to_a_vector_of_code_size(name):
    model, x = _built(name)
    assert isinstance(model.eval(), CodeModel)
    with torch.no_grad():
        code = model.encode(x)
        assert isinstance(model.code_size, int) and isinstance(code, torch.Tensor)
        assert code.shape == (len(x), model.code_size)
        assert model.decode(code).reshape(x.shape).shape == x.shape
        assert model(x).reshape(x.shape).shape == x.shape


@pytest.mark.parametrize("name", sorted(CODE_MAPS))
def test_the_listed_exceptions_encode_to_feature_maps(name):
    model, x = _built(name)
    with torch.no_grad():
        code = model.eval().encode(x)
        assert code.dim() == 4 and model.decode(code).shape == x.shape


@pytest.mark.parametrize("name", sorted(DENSITY_MODELS))
def test_the_density_model_scores_and_samples(name):
    model, x = _built(name)
    assert isinstance(model.eval(), DensityModel)
    with torch.no_grad():
        nll = model.nll(x)
        assert nll.shape == (len(x),) and torch.isfinite(nll).all() and (nll > 0).all()
        samples = model.sample(2)
    assert samples.shape == (2, 1, 28, 28) and set(samples.unique().tolist()) <= {0.0, 1.0}
