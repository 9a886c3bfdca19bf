"""Autoencoders whose codes are made robust: denoising (Vincent et al. 2008/2010) and
contractive (Rifai et al. 2011).

Explained in chapter 2c, `chapters/02c_denoising_contractive.ipynb` (the sampling chain: chapter 7b).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .. import validate
from ..data import check_corruption
from ..metrics import squared_error
from .autoencoder import Autoencoder
from .base import OneLayerAutoencoder


class DenoisingAutoencoder(nn.Module):
    """Trains ``autoencoder`` to rebuild the clean x (N,1,28,28) from a corrupted copy.

    ``kind`` is ``"gaussian"`` (add noise of standard deviation ``level``, clip to [0, 1]; with
    ``clip=False`` the noisy pixels may leave [0, 1], so the noise keeps a mean of zero),
    ``"masking"`` (set a random fraction ``level`` of the pixels to 0: dropout on the input,
    without dropout's rescaling) or ``"salt-pepper"`` (replace a random fraction ``level`` of
    the pixels by random bits, 0 or 1: the corruption Bengio et al. 2013 sample with). A pair
    ``level=(low, high)`` draws each image's level uniformly from that range, so that one model
    serves a range of noise levels.
    Corruption happens only in ``loss``; ``encode``, ``decode`` and ``forward`` are the wrapped
    model's, applied to whatever they are given.
    """

    def __init__(self, autoencoder: nn.Module | None = None, kind: str = "gaussian",
                 level: float | tuple[float, float] = 0.5, *, clip: bool = True):
        super().__init__()
        low, high = (level, level) if isinstance(level, (int, float)) else level
        low, high = check_corruption(kind, low), check_corruption(kind, high)
        if low > high:
            raise ValueError(f"level must be a number or a pair (low, high) with low <= high; got {level!r}")
        self.autoencoder = autoencoder if autoencoder is not None else Autoencoder()
        if not clip and kind != "gaussian":
            raise ValueError(f"clip=False applies to Gaussian noise only; {kind!r} stays in [0, 1]")
        self.kind, self.level, self.clip = kind, (float(low), float(high)), clip

    def corrupt(self, x: Tensor) -> Tensor:
        """A corrupted copy of x, same shape; each image gets its own level."""
        low, high = self.level
        level = low + (high - low) * torch.rand(len(x), *[1] * (x.dim() - 1), device=x.device)
        if self.kind == "gaussian":
            noisy = x + level * torch.randn_like(x)
            return noisy.clamp(0, 1) if self.clip else noisy
        if self.kind == "masking":
            return x * (torch.rand_like(x) >= level)
        bits = (torch.rand_like(x) < 0.5).to(x.dtype)
        return torch.where(torch.rand_like(x) < level, bits, x)

    @property
    def code_size(self) -> int:
        return self.autoencoder.code_size

    def encode(self, x: Tensor) -> Tensor:
        return self.autoencoder.encode(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.autoencoder.decode(z)

    def forward(self, x: Tensor) -> Tensor:
        return self.autoencoder(x)

    def loss(self, x: Tensor) -> Tensor:
        """Squared error between the reconstruction of corrupt(x) and the clean x, batch mean."""
        validate.tensor(x, "x", rank=(2, 3, 4))
        return squared_error(self.autoencoder(self.corrupt(x)), x).mean()

    @torch.no_grad()
    def chain(self, x: Tensor, steps: int) -> list[Tensor]:
        """The states x_0 = x, x_1, ..., x_steps of the sampling chain of Bengio et al. (2013):
        corrupt, denoise, then draw each pixel from the denoiser's output as a Bernoulli. For
        binary images x (N, 1, 28, 28); each state (N, 1, 28, 28) is returned on the CPU."""
        validate.positive_int(steps, "steps")
        validate.tensor(x, "x", rank=(4,), binary=True)
        states = [x.cpu()]
        for _ in range(steps):
            x = torch.bernoulli(self.autoencoder(self.corrupt(x)).view_as(x))
            states.append(x.cpu())
        return states


class ContractiveAutoencoder(OneLayerAutoencoder):
    """One hidden layer of sigmoid units, h = sigmoid(W x + b), decoded by sigmoid(W' h + c).

    The loss adds ``contraction`` times the squared Frobenius norm of the encoder's Jacobian
    dh/dx (Rifai et al. 2011). For this encoder it has a closed form,
    ||J||_F^2 = sum_j (h_j (1 - h_j))^2 sum_i W_ji^2, one matrix product per batch.
    ``contraction=0`` is a plain one-layer autoencoder of the same shape.
    """

    _parameter_constraints = {"contraction": validate.Interval(0, what="the weight of the Jacobian penalty")}

    def __init__(self, n_hidden: int = 256, contraction: float = 0.1, n_inputs: int = 784):
        validate.parameters(self, locals())
        super().__init__(n_hidden, n_inputs)
        self.contraction = contraction

    def jacobian_norm2(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        """||dh/dx||_F^2 per example, (N,), in closed form."""
        h = self.encode(x) if h is None else h
        return (h * (1 - h)).pow(2) @ self.encoder.weight.pow(2).sum(1)

    def loss(self, x: Tensor) -> Tensor:
        h = self.encode(x)
        loss = squared_error(self.decode(h), x)
        if self.contraction:
            loss = loss + self.contraction * self.jacobian_norm2(x, h)
        return loss.mean()


def jacobian_norm2(encode: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """||d encode(x) / dx||_F^2 per example, (N,), by automatic differentiation.

    The general form, for any encoder that maps each example on its own (no batch norm in
    training mode): one Jacobian per example with ``torch.func.jacrev``, vectorised by ``vmap``.
    Costs about code_size backward passes; the closed form of ``ContractiveAutoencoder`` is
    much cheaper for one sigmoid layer.
    """
    validate.tensor(x, "x", rank=(2, 3, 4))  # values can't be read inside vmap: check them here

    def single(example: Tensor) -> Tensor:
        return encode(example.unsqueeze(0)).squeeze(0)

    jacobians = torch.func.vmap(torch.func.jacrev(single))(x)  # (N, k, *x.shape[1:])
    return jacobians.pow(2).flatten(1).sum(1)
