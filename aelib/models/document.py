"""An autoencoder for documents given as word counts (Hinton & Salakhutdinov's retrieval task).

Explained in chapter 2b, `chapters/02b_retrieval.ipynb`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .. import validate
from .base import mlp


class DocumentAutoencoder(nn.Module):
    """Word counts x (N, V) -> code (N, k) -> a distribution over the V words.

    The encoder reads log(1 + counts), with dropout on the input while training (a denoising
    autoencoder over words); the decoder ends in a softmax. The loss is the cross-entropy
    between the document's word frequencies and the decoded distribution, i.e. the negative
    log-likelihood per word of a multinomial, averaged over documents.
    """

    _parameter_constraints = {"vocabulary_size": validate.Interval(1, integer=True),
                              "input_dropout": validate.Interval(0, 1, closed="left")}

    def __init__(self, vocabulary_size: int = 2000, dims: Sequence[int] = (256, 10),
                 input_dropout: float = 0.3):
        validate.parameters(self, locals())
        super().__init__()
        self.vocabulary_size = vocabulary_size
        self.dropout = nn.Dropout(input_dropout)
        self.encoder = mlp((vocabulary_size, *dims))
        self.decoder = mlp((*dims[::-1], vocabulary_size))

    @property
    def code_size(self) -> int:
        return self.encoder[-1].out_features

    def _check(self, x: Tensor) -> None:
        validate.batch(x, "x", (self.vocabulary_size,), like=self)
        if (x < 0).any():
            raise ValueError(f"x holds word counts, which must be >= 0; got a minimum of {float(x.min()):g}")

    def encode(self, x: Tensor) -> Tensor:
        """(N, V) counts -> (N, k) codes."""
        self._check(x)
        return self.encoder(self.dropout(torch.log1p(x)))

    def decode(self, z: Tensor) -> Tensor:
        """(N, k) codes -> (N, V) word probabilities (rows sum to 1)."""
        validate.batch(z, "z", (self.code_size,), like=self)
        return self.decoder(z).softmax(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """Cross-entropy (nats per word) between word frequencies and the decoded distribution."""
        log_probs = self.decoder(self.encode(x)).log_softmax(dim=1)
        frequencies = x / x.sum(1, keepdim=True).clamp_min(1)
        return -(frequencies * log_probs).sum(1).mean()
