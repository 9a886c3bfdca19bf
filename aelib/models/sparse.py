"""Sparse autoencoders (Ng's CS294A notes): one sigmoid hidden layer, usually wider than the
input, kept sparse by a penalty on its activations.

The KL penalty compares each hidden unit's average activation over the batch, rho_hat_j, with
a small target rho: beta * sum_j KL(rho || rho_hat_j), with the KL between Bernoulli
distributions. The L1 activity penalty, beta * sum_j |h_j| averaged over examples, is the
simpler modern alternative.

Explained in chapter 6, `chapters/06_sparse.ipynb`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .. import validate
from ..metrics import squared_error
from .base import OneLayerAutoencoder

PENALTIES = ("kl", "l1", "none")


def _check_rho(rho: float) -> None:
    if not 0 < rho < 1:
        raise ValueError(f"rho (the target average activation) must be in (0, 1), got {rho}")


def bernoulli_kl(rho: float, rho_hat: Tensor) -> Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)) elementwise, for average activations rho_hat in
    [0, 1] (clamped away from 0 and 1 so the penalty stays finite)."""
    _check_rho(rho)
    if not isinstance(rho_hat, Tensor) or not torch.isfinite(rho_hat).all():
        raise ValueError("rho_hat must be a tensor of finite average activations")
    if (rho_hat < 0).any() or (rho_hat > 1).any():
        raise ValueError(f"rho_hat must lie in [0, 1] (average sigmoid activations), got values in"
                         f" [{float(rho_hat.min()):.3g}, {float(rho_hat.max()):.3g}]")
    q = rho_hat.clamp(1e-6, 1 - 1e-6)
    return rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))


class SparseAutoencoder(OneLayerAutoencoder):
    """x (N, 1, 28, 28) in [0, 1] -> h = sigmoid(W x + b) (N, hidden) -> sigmoid(W' h + b').

    ``penalty``: ``"kl"`` (beta * sum_j KL(rho || rho_hat_j), rho_hat over the batch), ``"l1"``
    (beta * mean over examples of sum_j h_j) or ``"none"``. ``tied=True`` uses W' = W^T.
    The loss is the book's reconstruction error (summed squared error per image, batch mean)
    plus the penalty. The hidden biases start at logit(rho), so that every unit starts at the
    target activation instead of 1/2 (from 1/2 the KL penalty first drives all units down
    together, into a uniformly small, unselective code).
    """

    _parameter_constraints = {"rho": validate.Interval(0, 1, closed="neither",
                                                       what="the target average activation"),
                              "beta": validate.Interval(0, what="the penalty weight"),
                              "penalty": validate.Options(PENALTIES)}

    def __init__(self, hidden: int = 1000, *, rho: float = 0.05, beta: float = 3.0, penalty: str = "kl",
                 tied: bool = False, n_inputs: int = 784):
        validate.parameters(self, locals())
        super().__init__(hidden, n_inputs, tied=tied)
        self.rho, self.beta, self.penalty = rho, float(beta), penalty
        with torch.no_grad():  # every unit starts at the target activation, not at 1/2
            self.encoder.bias.fill_(math.log(rho / (1 - rho)))

    def sparsity_penalty(self, h: Tensor) -> Tensor:
        """The penalty on a batch of activations h (N, hidden), before the weight beta."""
        if self.penalty == "kl":
            return bernoulli_kl(self.rho, h.mean(0)).sum()
        if self.penalty == "l1":
            return h.sum(1).mean()
        return h.new_zeros(())

    def loss(self, x: Tensor) -> Tensor:
        h = self.encode(x)
        reconstruction = squared_error(self.decode(h).view_as(x), x).mean()
        return reconstruction + self.beta * self.sparsity_penalty(h)
