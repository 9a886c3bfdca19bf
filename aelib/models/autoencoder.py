"""Fully connected autoencoders: the deep one of Hinton & Salakhutdinov (2006) and the linear one."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..metrics import squared_error

IMAGE_SHAPE = (1, 28, 28)


def mlp(dims: Sequence[int], *, act: type[nn.Module] = nn.ReLU,
        out: nn.Module | None = None) -> nn.Sequential:
    """Linear layers through ``dims`` with ``act`` between them; ``out`` after the last, if given."""
    if len(dims) < 2:
        raise ValueError(f"mlp needs at least two sizes (input, output), got {list(dims)}")
    layers: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(dims) - 2:
            layers.append(act())
    if out is not None:
        layers.append(out)
    return nn.Sequential(*layers)


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
        return self.encoder(x.flatten(1))

    def decode(self, z: Tensor) -> Tensor:
        """(N, code_size) -> (N,1,28,28)."""
        return self.decoder(z).view(-1, *IMAGE_SHAPE)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per image, averaged over the batch."""
        return squared_error(self(x), x).mean()


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
