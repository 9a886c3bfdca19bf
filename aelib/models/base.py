"""The contract every model of ``aelib.models`` follows, and the pieces they share.

Three protocols, checked for every model class by ``tests/test_model_contract.py``:

- ``Trainable``: ``loss(x)``, the training objective of a batch, a scalar tensor (the batch
  mean) that ``aelib.train.fit`` minimises (the ``Classifier``'s is ``loss(x, y)``).
- ``CodeModel`` (an autoencoder): ``encode(x) -> Tensor`` codes (N, code_size), ``decode(z)``
  back to the input's shape, ``forward(x)`` the reconstruction, and ``code_size``. The
  exceptions, listed in ``CODE_MAPS``, encode into a stack of feature maps (their ``code_shape``
  gives its shape), or need the pooling switches to decode (``encode_with_switches``).
- ``DensityModel``: ``nll(x)``, nats per example (N,), and ``sample(n)``, n binary images.

Every model class is constructible with no arguments (the defaults suit 28x28 MNIST).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from .. import validate

IMAGE_SHAPE = (1, 28, 28)


@runtime_checkable
class Trainable(Protocol):
    def loss(self, x: Tensor) -> Tensor:
        """The objective of a batch: a scalar tensor, the batch mean."""
        ...


@runtime_checkable
class CodeModel(Trainable, Protocol):
    code_size: int

    def encode(self, x: Tensor) -> Tensor:
        """Inputs (N, ...) -> codes (N, code_size)."""
        ...

    def decode(self, z: Tensor) -> Tensor:
        """Codes (N, code_size) -> reconstructions, the inputs' shape."""
        ...


@runtime_checkable
class DensityModel(Trainable, Protocol):
    def nll(self, x: Tensor) -> Tensor:
        """Negative log-likelihood of each example, nats, (N,)."""
        ...

    def sample(self, n: int) -> Tensor:
        """``n`` binary images (n, 1, 28, 28)."""
        ...


def example_shape(n_inputs: int) -> tuple[int, ...]:
    """The shape of one input example: an image (1, 28, 28) for 784 inputs, else (n_inputs,)."""
    return IMAGE_SHAPE if n_inputs == 784 else (n_inputs,)


def check_binary(x: Tensor, model: nn.Module | None = None, arg: str = "x") -> None:
    """``x`` must be binary images (N, 1, 28, 28), of ``model``'s dtype and device if given."""
    validate.batch(x, arg, IMAGE_SHAPE, flat_ok=False, like=model, binary=True,
                   why=" for a Bernoulli likelihood")


def flat_binary(x: Tensor, model: nn.Module, n_inputs: int) -> Tensor:
    """Binary inputs of ``model``, checked, as (N, n_inputs): images (N, 1, 28, 28) for 784
    inputs, else vectors (N, n_inputs)."""
    if n_inputs == 784:
        check_binary(x, model)
    else:
        validate.batch(x, "x", (n_inputs,), like=model, binary=True, why=" for a Bernoulli likelihood")
    return x.flatten(1)


def mlp(dims: Sequence[int], *, act: type[nn.Module] = nn.ReLU,
        out: nn.Module | None = None, batch_norm: bool = False) -> nn.Sequential:
    """Linear layers through ``dims`` with ``act`` between them (after a batch norm if
    ``batch_norm``); ``out`` after the last, if given."""
    if len(dims) < 2:
        raise ValueError(f"mlp needs at least two sizes (input, output), got {list(dims)}")
    layers: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(dims) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(d_out))
            layers.append(act())
    if out is not None:
        layers.append(out)
    return nn.Sequential(*layers)


def affine_decode(h: Tensor, encoder: nn.Linear, decoder: nn.Linear | None,
                  decoder_bias: Tensor | None) -> Tensor:
    """A one-layer decoder's affine map, codes (N, hidden) -> (N, inputs), before any
    non-linearity: ``decoder(h)``, or with tied weights (``decoder`` None) the encoder's
    transpose plus ``decoder_bias``."""
    if decoder is None:
        return torch.nn.functional.linear(h, encoder.weight.T, decoder_bias)
    return decoder(h)


def unit_filters(encoder: nn.Linear, decoder: nn.Linear | None) -> Tensor:
    """What each hidden unit draws, one row per unit: (hidden, inputs), detached."""
    return (encoder.weight if decoder is None else decoder.weight.T).detach()


class OneLayerAutoencoder(nn.Module):
    """One hidden layer: x (N, 1, 28, 28), or (N, n_inputs), -> h = code_activation(W x + b)
    (N, hidden) -> output_activation(W' h + c), with W' = W^T if ``tied`` (then c is
    ``decoder_bias``). The base of the sparse, contractive and winner-take-all autoencoders,
    which add their loss (and, for winner-take-all, their sparse code)."""

    code_activation = staticmethod(torch.sigmoid)  # None: linear units
    output_activation = staticmethod(torch.sigmoid)  # None: a linear decoder

    def __init__(self, hidden: int, n_inputs: int = 784, *, tied: bool = False):
        super().__init__()
        validate.positive_int(hidden, "hidden")
        self.n_inputs, self.tied = n_inputs, tied
        self.encoder = nn.Linear(n_inputs, hidden)
        self.decoder = None if tied else nn.Linear(hidden, n_inputs)
        self.decoder_bias = nn.Parameter(torch.zeros(n_inputs)) if tied else None

    @property
    def code_size(self) -> int:
        return self.encoder.out_features

    def pre_activation(self, x: Tensor) -> Tensor:
        """(N, 1, 28, 28) -> W x + b, (N, hidden)."""
        validate.batch(x, "x", example_shape(self.n_inputs), like=self)
        return self.encoder(x.flatten(1))

    def encode(self, x: Tensor) -> Tensor:
        """(N, 1, 28, 28) -> the code (N, hidden)."""
        a = self.pre_activation(x)
        return a if self.code_activation is None else self.code_activation(a)

    def decode(self, h: Tensor) -> Tensor:
        """(N, hidden) -> reconstructions (N, 1, 28, 28) (or (N, n_inputs))."""
        validate.batch(h, "h", (self.code_size,), like=self)
        out = affine_decode(h, self.encoder, self.decoder, self.decoder_bias)
        if self.output_activation is not None:
            out = self.output_activation(out)
        return out.view(-1, *example_shape(self.n_inputs))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    @property
    def decoder_filters(self) -> Tensor:
        """What each hidden unit draws, one image per unit: (hidden, n_inputs)."""
        return unit_filters(self.encoder, self.decoder)
