"""Adversarial autoencoder (Makhzani et al. 2016): an autoencoder whose codes are pushed
towards a chosen prior by a discriminator on the code, as in a GAN, instead of by a KL term.

Unsupervised here: the labels are never used (the paper also has a variant that uses labels
to place each class's codes in its own mixture component).

Explained in chapter 7, `chapters/07_more_autoencoders.ipynb`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import validate
from ..metrics import squared_error
from .base import example_shape, mlp

PRIORS = ("normal", "mixture")


def sample_prior(n: int, prior: str = "normal", dims: int = 2, *, components: int = 10, radius: float = 4.0,
                 std: float = 0.5, generator: torch.Generator | None = None) -> Tensor:
    """n codes (n, dims) from the prior: ``"normal"``, N(0, I); ``"mixture"`` (dims = 2), an equal
    mixture of ``components`` Gaussians of standard deviation ``std`` with means evenly spaced on a
    circle of ``radius``."""
    if prior not in PRIORS:
        raise ValueError(f"prior must be one of {PRIORS}, got {prior!r}")
    if prior == "normal":
        return torch.randn(n, dims, generator=generator)
    if dims != 2:
        raise ValueError(f"the mixture prior is two-dimensional, got dims={dims}")
    which = torch.randint(components, (n,), generator=generator)
    angle = 2 * math.pi * which / components
    means = radius * torch.stack([angle.cos(), angle.sin()], 1)
    return means + std * torch.randn(n, 2, generator=generator)


class AdversarialAutoencoder(nn.Module):
    """x (N, 1, 28, 28) in [0, 1] -> deterministic code z (N, code) -> reconstruction (sigmoid).

    A discriminator D(z) tells codes of data from samples of the prior; the encoder is trained
    to fool it. ``train_step`` does the paper's three updates on each batch: reconstruction
    (encoder and decoder), discriminator (``discriminator_steps`` times, each on fresh prior
    samples), and the encoder as the generator. Train with ``aelib.train.fit``, which calls
    ``configure_optimizers`` and ``train_step``.

    ``gradient_penalty`` (gamma) adds gamma / 2 * |dC/dz|^2 at prior samples to the
    discriminator's loss (the R1 penalty of Mescheder et al. 2018); without it, some random
    starts ended with codes far from the prior in the runs made for chapter 7.
    """

    _parameter_constraints = {"code": validate.Interval(1, integer=True),
                              "prior": validate.Options(PRIORS),
                              "discriminator_steps": validate.Interval(1, integer=True),
                              "gradient_penalty": validate.Interval(0)}

    def __init__(self, code: int = 2, hidden: Sequence[int] = (512, 256), prior: str = "normal",
                 n_inputs: int = 784, discriminator_hidden: Sequence[int] = (256, 256),
                 discriminator_steps: int = 2, gradient_penalty: float = 10.0):
        validate.parameters(self, locals())
        super().__init__()
        if prior == "mixture" and code != 2:
            raise ValueError(f"the mixture prior is two-dimensional: use code=2, got code={code}")
        self.code_size, self.prior, self.n_inputs = code, prior, n_inputs
        self.discriminator_steps, self.gradient_penalty = discriminator_steps, float(gradient_penalty)
        self.encoder = mlp((n_inputs, *hidden, code))
        self.decoder = mlp((code, *hidden[::-1], n_inputs), out=nn.Sigmoid())
        self.discriminator = mlp((code, *discriminator_hidden, 1))

    def encode(self, x: Tensor) -> Tensor:
        """(N, 1, 28, 28) -> codes (N, code)."""
        validate.batch(x, "x", example_shape(self.n_inputs), like=self)
        return self.encoder(x.flatten(1))

    def decode(self, z: Tensor) -> Tensor:
        """(N, code) -> images (N, 1, 28, 28)."""
        validate.batch(z, "z", (self.code_size,), like=self)
        return self.decoder(z).view(-1, *example_shape(self.n_inputs))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """The reconstruction term: summed squared error per image, batch mean."""
        return squared_error(self(x).view_as(x), x).mean()

    def sample_prior(self, n: int) -> Tensor:
        return sample_prior(n, self.prior, self.code_size).to(self.encoder[0].weight.device)

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """n images decoded from prior samples, (n, 1, 28, 28)."""
        return self.decode(self.sample_prior(n))

    def configure_optimizers(self, lr: float, weight_decay: float = 0.0) -> list[torch.optim.Optimizer]:
        """Adam for the autoencoder, the discriminator and the encoder-as-generator."""
        return [torch.optim.Adam([*self.encoder.parameters(), *self.decoder.parameters()], lr=lr,
                                 weight_decay=weight_decay),
                torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
                torch.optim.Adam(self.encoder.parameters(), lr=lr, betas=(0.5, 0.999))]

    def discriminator_loss(self, codes: Tensor) -> Tensor:
        """Cross-entropy of D telling fresh prior samples (label 1) from the codes of data (label 0),
        plus the R1 penalty at the prior samples."""
        prior_codes = self.sample_prior(len(codes)).requires_grad_(self.gradient_penalty > 0)
        real, fake = self.discriminator(prior_codes), self.discriminator(codes)
        loss = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
        if self.gradient_penalty > 0:
            slope, = torch.autograd.grad(real.sum(), prior_codes, create_graph=True)
            loss = loss + self.gradient_penalty / 2 * slope.pow(2).sum(1).mean()
        return loss

    def generator_loss(self, batch: Tensor) -> Tensor:
        """The encoder as the generator: -log D(E(x)), lowest when D takes the codes of data
        for prior samples."""
        fooled = self.discriminator(self.encode(batch))
        return F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))

    def train_step(self, batch: Tensor, optimizers: Sequence[torch.optim.Optimizer]) -> Tensor:
        """One update of each of the three players on ``batch``; returns the reconstruction loss."""
        autoencoder, discriminator, generator = optimizers
        reconstruction = self.loss(batch)
        autoencoder.zero_grad(set_to_none=True)
        reconstruction.backward()
        autoencoder.step()

        codes = self.encode(batch).detach()
        for _ in range(self.discriminator_steps):  # each on fresh prior samples
            discriminator.zero_grad(set_to_none=True)
            self.discriminator_loss(codes).backward()
            discriminator.step()

        generator.zero_grad(set_to_none=True)
        self.generator_loss(batch).backward()
        generator.step()
        return reconstruction.detach()
