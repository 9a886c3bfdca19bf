"""Fully connected autoencoders: the deep one of Hinton & Salakhutdinov (2006) and the linear one.

Explained in chapter 2, `chapters/02_autoencoders.ipynb`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .. import validate
from ..metrics import squared_error
from .base import example_shape, mlp

INIT_SCHEMES = ("small", "xavier", "he")


@torch.no_grad()
def init_weights(module: nn.Module, scheme: str, *, std: float = 0.01) -> nn.Module:
    """Re-initialise every ``nn.Linear`` in ``module`` and zero its bias; returns ``module``.

    ``"small"``: N(0, std^2), the naive small random start of the 1990s; ``"xavier"``: Glorot &
    Bengio (2010), variance 2 / (fan_in + fan_out), for sigmoid and tanh units; ``"he"``: He et
    al. (2015), variance 2 / fan_in, for ReLU units.
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"scheme must be one of {INIT_SCHEMES}, got {scheme!r}")
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std}")
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            if scheme == "small":
                nn.init.normal_(layer.weight, 0.0, std)
            elif scheme == "xavier":
                nn.init.xavier_normal_(layer.weight)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                layer.bias.zero_()
    return module


class Autoencoder(nn.Module):
    """An MLP autoencoder: x (N,1,28,28) in [0,1] -> code (N, dims[-1]) -> reconstruction.

    The defaults are the MNIST network of Hinton & Salakhutdinov (2006): 784-1000-500-250-30,
    with a linear code layer (the bottleneck) and a sigmoid output.
    """

    def __init__(self, dims: Sequence[int] = (784, 1000, 500, 250, 30), sigmoid_output: bool = True):
        super().__init__()
        self.dims = tuple(dims)
        self.encoder = mlp(dims)  # ReLU between layers, linear code
        self.decoder = mlp(dims[::-1], out=nn.Sigmoid() if sigmoid_output else None)

    @property
    def code_size(self) -> int:
        return self.dims[-1]

    def encode(self, x: Tensor) -> Tensor:
        """(N,1,28,28) -> (N, code_size)."""
        validate.batch(x, "x", example_shape(self.dims[0]), like=self)
        return self.encoder(x.flatten(1))

    def decode(self, z: Tensor) -> Tensor:
        """(N, code_size) -> (N,1,28,28)."""
        validate.batch(z, "z", (self.code_size,), like=self)
        return self.decoder(z).view(-1, *example_shape(self.dims[0]))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per image, averaged over the batch."""
        return squared_error(self(x).view_as(x), x).mean()


class LinearAutoencoder(Autoencoder):
    """x (N,1,28,28) -> W_e x + b_e = code (N, k) -> W_d code + b_d, no non-linearity.

    With squared error its optimum spans the same subspace as PCA's top-k components
    (Baldi & Hornik, 1989); the columns of ``W_d`` need not be orthogonal or ordered.
    """

    def __init__(self, k: int = 30, n_inputs: int = 784):
        super().__init__((n_inputs, k), sigmoid_output=False)

    @torch.no_grad()
    def decoder_basis(self) -> Tensor:
        """The decoder's columns, (784, k): they span the subspace the codes are decoded into."""
        return self.decoder[0].weight.detach().clone()
