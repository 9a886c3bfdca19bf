"""Winner-take-all autoencoders (Makhzani & Frey): sparsity by selection instead of a penalty.

``KSparseAutoencoder`` (2014) keeps, for every example, only its k largest hidden units.
``WTAAutoencoder`` (2015, fully connected, lifetime sparsity) keeps, for every hidden unit, only
its largest ``rate`` fraction of activations across the batch: each unit must win, and only
for the examples it fits best.

Explained in chapter 7, `chapters/07_more_autoencoders.ipynb` (and chapter 7c's k-sparse sweep).
"""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor

from .. import validate
from ..metrics import squared_error
from .base import OneLayerAutoencoder


def keep_top_k(h: Tensor, k: int, dim: int) -> Tensor:
    """h with all but the k largest entries along ``dim`` set to 0 (ties may keep a few more)."""
    if not 1 <= k <= h.shape[dim]:
        raise ValueError(f"k must be in 1..{h.shape[dim]} (the size of dim {dim}), got {k}")
    threshold = h.topk(k, dim=dim).values.narrow(dim, k - 1, 1)
    return h * (h >= threshold)


class _WinnerTakeAll(OneLayerAutoencoder):
    """Shared shape: x (N, 1, 28, 28) -> encoder Linear -> code (N, hidden) -> linear decoder
    (tied: the encoder's transpose) -> reconstruction from the sparse code; squared error, as
    in the papers. The decoder is linear, so values may leave [0, 1] slightly."""

    output_activation = None

    def sparse_code(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.sparse_code(x))

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per image of the reconstruction from the sparse code, batch mean."""
        return squared_error(self(x).view_as(x), x).mean()


class KSparseAutoencoder(_WinnerTakeAll):
    """k-sparse autoencoder (Makhzani & Frey 2014): linear hidden units z = W x + b, of which
    only each example's k largest are kept; tied weights, linear decoder. ``encode`` returns
    that sparse code (N, hidden).

    The paper's schedule: with ``k_start`` and ``anneal_steps``, training starts with the
    ``k_start`` largest units kept and lowers that number linearly to ``k`` over the first
    ``anneal_steps`` training steps (they go from 100 to k over the first half of training), so
    that every unit is trained before few are kept; the model counts the ``loss`` calls it makes
    in training mode. Encoding always keeps k."""

    def __init__(self, hidden: int = 1000, k: int = 25, *, tied: bool = True, n_inputs: int = 784,
                 k_start: int | None = None, anneal_steps: int = 0):
        super().__init__(hidden, n_inputs, tied=tied)
        if not 1 <= k <= hidden:
            raise ValueError(f"k must be in 1..hidden={hidden}, got {k}")
        if k_start is not None and not k <= k_start <= hidden:
            raise ValueError(f"k_start must be in k={k}..hidden={hidden}, got {k_start}")
        if (k_start is None) != (anneal_steps == 0) or anneal_steps < 0:
            raise ValueError("anneal k with both k_start and anneal_steps >= 1, or with neither"
                             f" (got k_start={k_start}, anneal_steps={anneal_steps})")
        self.k, self.k_start, self.anneal_steps = k, k_start, anneal_steps
        self.steps_trained = 0  # loss calls in training mode: the clock of the schedule

    def current_k(self) -> int:
        """The number of units kept in the next training step: k, or on the schedule towards it."""
        if self.k_start is None or not self.training:
            return self.k
        progress = min(1.0, self.steps_trained / self.anneal_steps)
        return round(self.k_start + (self.k - self.k_start) * progress)

    def _largest(self, x: Tensor, n: int) -> Tensor:
        """The linear units of x (N, 1, 28, 28), each example's n largest kept: (N, hidden)."""
        return keep_top_k(self.pre_activation(x), n, dim=1)

    def sparse_code(self, x: Tensor) -> Tensor:
        return self._largest(x, self.current_k())

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per image of the reconstruction from the sparse code (the
        scheduled number of units in training), batch mean."""
        loss = super().loss(x)
        if self.training:
            self.steps_trained += 1
        return loss

    def encode(self, x: Tensor) -> Tensor:
        """(N, 1, 28, 28) -> the k-sparse code (N, hidden)."""
        return self._largest(x, self.k)

    def features(self, x: Tensor, alpha: float = 3.0) -> Tensor:
        """(N, 1, 28, 28) -> the code with the ``alpha * k`` largest units kept (N, hidden): the
        encoding Makhzani & Frey classify with (alpha = 3 for MNIST); alpha = 1 is ``encode``."""
        if not alpha >= 1:
            raise ValueError(f"alpha must be >= 1 (alpha * k units are kept), got {alpha}")
        return self._largest(x, min(self.code_size, round(alpha * self.k)))


class WTAAutoencoder(_WinnerTakeAll):
    """Fully connected winner-take-all autoencoder with lifetime sparsity (Makhzani & Frey
    2015): ReLU units h = relu(W x + b); in the reconstruction each unit keeps only its
    ceil(rate * N) largest activations over the batch of N. ``encode`` returns all ReLU
    activations (N, hidden), the features the paper classifies with; ``forward`` reconstructs
    through the lifetime-sparse code of the batch it is given."""

    _parameter_constraints = {"rate": validate.Interval(0, 1, closed="right",
                                                        what="the fraction of the batch each unit keeps")}

    def __init__(self, hidden: int = 1000, rate: float = 0.05, *, tied: bool = False, n_inputs: int = 784):
        validate.parameters(self, locals())
        super().__init__(hidden, n_inputs, tied=tied)
        self.rate = rate

    def encode(self, x: Tensor) -> Tensor:
        """(N, 1, 28, 28) -> ReLU activations (N, hidden), no sparsity imposed."""
        return F.relu(self.pre_activation(x))

    def sparse_code(self, x: Tensor) -> Tensor:
        """The lifetime-sparse code of the batch x: each unit's top ceil(rate * N) activations."""
        h = self.encode(x)
        return keep_top_k(h, max(1, math.ceil(self.rate * len(h))), dim=0)
