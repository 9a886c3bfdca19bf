"""A plain MLP classifier: the yardstick several chapters score codes and samples with."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import validate
from .base import example_shape, mlp


class Classifier(nn.Module):
    """x (N, ...) -> class logits (N, classes), through an MLP with widths ``dims``
    (784, ..., classes); ``dims`` of two sizes is multinomial logistic regression.

    Trained with labels, ``aelib.train.fit(model, x, y, ...)``, on the cross-entropy.
    """

    def __init__(self, dims: Sequence[int] = (784, 512, 10), *, act: type[nn.Module] = nn.ReLU,
                 batch_norm: bool = False):
        super().__init__()
        self.net = mlp(dims, act=act, batch_norm=batch_norm)
        self.n_inputs, self.classes = dims[0], dims[-1]

    def forward(self, x: Tensor) -> Tensor:
        """(N, ...) with n_inputs values per example -> logits (N, classes)."""
        validate.batch(x, "x", example_shape(self.n_inputs), like=self)
        return self.net(x.flatten(1))

    def loss(self, x: Tensor, y: Tensor) -> Tensor:
        """Mean cross-entropy of the labels y (N,) under the predicted classes."""
        logits = self(x)
        validate.labels(y, "y", len(x), self.classes)
        return F.cross_entropy(logits, y.to(logits.device))

    @torch.no_grad()
    def probabilities(self, x: Tensor) -> Tensor:
        """p(class | x), (N, classes)."""
        return self(x).softmax(-1)

    @torch.no_grad()
    def accuracy(self, x: Tensor, y: Tensor) -> float:
        """Fraction of x (N, ...) whose most probable class is its label y (N,)."""
        predicted = self(x).argmax(-1)
        validate.labels(y, "y", len(x), self.classes)
        return float((predicted == y.to(predicted.device)).float().mean())
