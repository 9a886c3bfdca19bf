"""Stacked autoencoders (Bengio et al. 2007): sigmoid layers trained one at a time as shallow
autoencoders, each on the codes of the layer below, then stacked into one deep autoencoder.

``StackedAutoencoder.layer(i)`` is layer i seen as a shallow autoencoder: it shares its
parameters with the stack, so training the layers one after the other (greedy layer-wise
training) builds the deep network in place, and ``fit(stack, x)`` trains it end to end.

Explained in chapter 6b, `chapters/06b_stacked_pretraining.ipynb`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .. import validate
from ..metrics import squared_error
from .base import affine_decode, example_shape
from .classifier import Classifier


class StackedAutoencoder(nn.Module):
    """x (N, 1, 28, 28) in [0, 1] -> sigmoid layers through ``dims`` -> code (N, dims[-1]) in
    (0, 1) -> the mirrored sigmoid layers -> reconstruction (N, 1, 28, 28).

    ``tied=True``: decoder layer i uses the transpose of encoder layer i's weight matrix (each
    with a bias of its own), so mirrored layers share their weights.
    """

    def __init__(self, dims: Sequence[int] = (784, 500, 250, 100), *, tied: bool = False):
        super().__init__()
        if len(dims) < 2 or any(int(d) < 1 for d in dims):
            raise ValueError(f"dims must be at least two positive layer sizes, got {list(dims)}")
        self.dims, self.tied = tuple(int(d) for d in dims), tied
        pairs = list(zip(self.dims[:-1], self.dims[1:]))
        self.encoders = nn.ModuleList(nn.Linear(d_in, d_out) for d_in, d_out in pairs)
        # decoders[i] maps layer i+1 back to layer i.
        self.decoders = None if tied else nn.ModuleList(nn.Linear(d_out, d_in) for d_in, d_out in pairs)
        self.decoder_biases = nn.ParameterList(torch.zeros(d_in) for d_in, _ in pairs) if tied else None

    @property
    def depth(self) -> int:
        return len(self.encoders)

    @property
    def code_size(self) -> int:
        return self.dims[-1]

    def encode_layer(self, i: int, h: Tensor) -> Tensor:
        """Layer i's units from layer i-1's (N, dims[i]) -> (N, dims[i+1])."""
        return torch.sigmoid(self.encoders[i](h))

    def decode_layer(self, i: int, h: Tensor) -> Tensor:
        """Layer i-1's units back from layer i's, (N, dims[i+1]) -> (N, dims[i])."""
        if self.tied:
            return torch.sigmoid(affine_decode(h, self.encoders[i], None, self.decoder_biases[i]))
        return torch.sigmoid(affine_decode(h, self.encoders[i], self.decoders[i], None))

    def encode(self, x: Tensor, depth: int | None = None) -> Tensor:
        """(N, 1, 28, 28) -> the units of layer ``depth`` (default: the code), (N, dims[depth])."""
        validate.batch(x, "x", example_shape(self.dims[0]), like=self)
        if depth is not None:
            depth = validate.positive_int(depth, "depth", minimum=0, upper=self.depth,
                                          upper_name="the number of layers")
        h = x.flatten(1)
        for i in range(self.depth if depth is None else depth):
            h = self.encode_layer(i, h)
        return h

    def decode(self, z: Tensor) -> Tensor:
        """(N, code_size) -> images (N, 1, 28, 28)."""
        validate.batch(z, "z", (self.code_size,), like=self)
        for i in reversed(range(self.depth)):
            z = self.decode_layer(i, z)
        return z.view(-1, *example_shape(self.dims[0]))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per image, averaged over the batch."""
        return squared_error(self(x).view_as(x), x).mean()

    def layer(self, i: int) -> LayerAutoencoder:
        """Layer i as a shallow autoencoder of layer i-1's units (sharing the stack's weights)."""
        return LayerAutoencoder(self, i)

    def to_classifier(self, classes: int = 10) -> Classifier:
        """A sigmoid MLP classifier dims + (classes,) whose hidden layers start as copies of this
        encoder's layers (the 2006 recipe: pretrain, then fine-tune); the output layer is new."""
        classifier = Classifier((*self.dims, classes), act=nn.Sigmoid)
        linears = [m for m in classifier.net if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for target, source in zip(linears, self.encoders):
                target.weight.copy_(source.weight)
                target.bias.copy_(source.bias)
        return classifier.to(self.encoders[0].weight.device)


class LayerAutoencoder(nn.Module):
    """Layer i of a ``StackedAutoencoder`` as a shallow autoencoder: units h (N, dims[i]) of the
    layer below (images for i = 0) -> sigmoid(W_i h + b_i) -> reconstruction of h. Its
    parameters are the stack's own, so training it trains the stack's layer i. With no
    arguments: layer 0 of a new ``StackedAutoencoder()``."""

    def __init__(self, stack: StackedAutoencoder | None = None, i: int = 0):
        super().__init__()
        stack = StackedAutoencoder() if stack is None else stack
        if not 0 <= i < stack.depth:
            raise ValueError(f"layer index must be in 0..{stack.depth - 1}, got {i}")
        self.index = i
        self.encoder = stack.encoders[i]
        self.decoder = None if stack.tied else stack.decoders[i]
        self.decoder_bias = stack.decoder_biases[i] if stack.tied else None

    @property
    def code_size(self) -> int:
        return self.encoder.out_features

    def encode(self, h: Tensor) -> Tensor:
        """(N, dims[i]) units of the layer below (images for i = 0) -> (N, dims[i + 1])."""
        validate.batch(h, "h", example_shape(self.encoder.in_features), like=self)
        return torch.sigmoid(self.encoder(h.flatten(1)))

    def decode(self, z: Tensor) -> Tensor:
        """(N, dims[i + 1]) -> (N, dims[i])."""
        validate.batch(z, "z", (self.encoder.out_features,), like=self)
        return torch.sigmoid(affine_decode(z, self.encoder, self.decoder, self.decoder_bias))

    def forward(self, h: Tensor) -> Tensor:
        return self.decode(self.encode(h)).view_as(h)

    def loss(self, h: Tensor) -> Tensor:
        """Sum of squared errors per example, averaged over the batch."""
        return squared_error(self(h), h).mean()
