"""A VAE with a strong decoder: the decoder is a MADE (Germain et al. 2015), an autoregressive
network that models every pixel given the pixels before it *and* the code. It can describe the
data without the code at all, which is what makes posterior collapse possible.

MADE masks the weights of an ordinary one-hidden-layer network so that output d depends only
on inputs 1..d-1 (raster order): hidden unit k gets a degree m_k in 1..D-1 and sees inputs
d <= m_k; output d sees hidden units with m_k < d and, through a direct connection, inputs
d' < d. One pass gives every pixel's conditional logit, so log p(x | z) is exact and as cheap
as an MLP's; sampling takes D steps, each adding one pixel's contribution to the hidden layer.

Explained in chapter 5b, `chapters/05b_posterior_collapse.ipynb`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import validate
from .base import example_shape, flat_binary
from .vae import VAE


def made_degrees(n_inputs: int, hidden: int) -> Tensor:
    """Degrees (hidden,) of the hidden units, spread evenly over 1..n_inputs - 1, so that every
    output sees its predecessors up to the nearest degree below it."""
    return 1 + (torch.arange(hidden) * (n_inputs - 1)) // hidden


class MADEDecoder(nn.Module):
    """Conditional MADE: binary x (N, D) and code z (N, C) -> logits (N, D), where logit d
    depends on x_1..x_{d-1} and z only. The code enters the hidden layer and the output
    through unmasked weights; with ``context`` = 0 there is no code (z is (N, 0))."""

    def __init__(self, n_inputs: int = 784, hidden: int = 500, context: int = 32):
        super().__init__()
        self.n_inputs, self.hidden, self.context = n_inputs, hidden, context
        degrees = made_degrees(n_inputs, hidden)
        inputs = torch.arange(1, n_inputs + 1)
        self.input_layer = nn.Linear(n_inputs, hidden)
        self.output_layer = nn.Linear(hidden, n_inputs)
        self.direct = nn.Linear(n_inputs, n_inputs, bias=False)
        self.code_to_hidden = nn.Linear(context, hidden, bias=False) if context else None
        self.code_to_output = nn.Linear(context, n_inputs, bias=False) if context else None
        self.register_buffer("input_mask", (degrees[:, None] >= inputs[None, :]).float())  # (H, D)
        self.register_buffer("output_mask", (inputs[:, None] > degrees[None, :]).float())  # (D, H)
        self.register_buffer("direct_mask", torch.ones(n_inputs, n_inputs).tril(-1))  # (D, D)

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        """x (..., D), z (..., C) -> logits (..., D)."""
        code_hidden, code_logits = self._code_terms(z)
        pre = F.linear(x, self.input_layer.weight * self.input_mask, self.input_layer.bias) + code_hidden
        logits = F.linear(x, self.direct.weight * self.direct_mask) + code_logits
        output_weight = self.output_layer.weight * self.output_mask
        return logits + F.linear(F.elu(pre), output_weight, self.output_layer.bias)

    def _code_terms(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """What codes z (..., C) add to the hidden pre-activations (..., H) and to the logits
        (..., D): zero without a code."""
        if not self.context:
            return z.new_zeros(()), z.new_zeros(())
        return self.code_to_hidden(z), self.code_to_output(z)

    @torch.no_grad()
    def sample(self, z: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """Binary x (N, D) drawn pixel by pixel given codes z (N, C): D steps, each adding one
        pixel's column to the hidden pre-activations instead of a full pass."""
        n, device = len(z), z.device
        x = torch.zeros(n, self.n_inputs, device=device)
        code_hidden, code_logits = self._code_terms(z)
        pre = (self.input_layer.bias + code_hidden).expand(n, self.hidden).clone()  # (N, H): no pixel yet
        input_weight = self.input_layer.weight * self.input_mask  # (H, D)
        output_weight = self.output_layer.weight * self.output_mask  # (D, H)
        direct = self.direct.weight * self.direct_mask  # (D, D)
        code_logits = (code_logits + self.output_layer.bias).expand(n, self.n_inputs)  # (N, D)
        uniform = torch.rand(n, self.n_inputs, generator=generator).to(device)
        for d in range(self.n_inputs):
            logit = F.elu(pre) @ output_weight[d] + x @ direct[d] + code_logits[:, d]
            x[:, d] = (uniform[:, d] < torch.sigmoid(logit)).float()
            pre += x[:, d, None] * input_weight[:, d]
        return x


class MADE(nn.Module):
    """The MADE on its own, with no code: an exact density model of binary images,
    p(x) = prod_d p(x_d | x_<d). ``hidden``: the width of its one masked hidden layer."""

    _parameter_constraints = {"hidden": validate.Interval(1, integer=True),
                              "n_inputs": validate.Interval(2, integer=True)}

    def __init__(self, hidden: int = 500, n_inputs: int = 784):
        validate.parameters(self, locals())
        super().__init__()
        self.n_inputs = n_inputs
        self.network = MADEDecoder(n_inputs, hidden, context=0)

    def _flat(self, x: Tensor) -> Tensor:
        return flat_binary(x, self, self.n_inputs)

    def nll(self, x: Tensor) -> Tensor:
        """Exact negative log-likelihood of each binary image in nats, (N,)."""
        flat = self._flat(x)
        logits = self.network(flat, flat.new_zeros(len(flat), 0))
        return F.binary_cross_entropy_with_logits(logits, flat, reduction="none").sum(-1)

    def loss(self, x: Tensor) -> Tensor:
        """Mean negative log-likelihood (nats per image)."""
        return self.nll(x).mean()

    @torch.no_grad()
    def sample(self, n: int = 16, *, generator: torch.Generator | None = None) -> Tensor:
        """Draw n binary images (n, 1, 28, 28) (or (n, n_inputs)), pixel by pixel."""
        validate.positive_int(n, "n")
        device = next(self.parameters()).device
        x = self.network.sample(torch.zeros(n, 0, device=device), generator=generator)
        return x.view(-1, *example_shape(self.n_inputs))


class MADEVAE(VAE):
    """A VAE whose decoder p(x | z) is a conditional MADE instead of independent pixels.

    The encoder is the VAE's; log p(x | z) = sum_d log p(x_d | x_<d, z) is exact, so the ELBO,
    the IWAE bound and the NLL estimate are computed exactly as for the ``VAE``. ``decode`` and
    ``sample`` draw binary images pixel by pixel. Constructor arguments as for ``VAE`` (one
    training sample by default), plus ``made_hidden``, the MADE's hidden width.
    """

    _parameter_constraints = {**VAE._parameter_constraints, "made_hidden": validate.Interval(1, integer=True)}

    def __init__(self, latent: int = 32, hidden: tuple[int, ...] = (512, 256), made_hidden: int = 500,
                 n_inputs: int = 784, *, train_samples: int = 1, kl_weight: float = 1.0,
                 free_bits: float = 0.0, kl_warmup: int = 0):
        validate.parameters(self, locals())
        super().__init__(latent, hidden, train_samples, n_inputs, kl_weight=kl_weight, free_bits=free_bits,
                         kl_warmup=kl_warmup)
        del self.decoder
        self.decoder = MADEDecoder(n_inputs, made_hidden, latent)

    @torch.no_grad()
    def start_from(self, made: MADE) -> MADEVAE:
        """Give the decoder a head start: copy a trained ``MADE``'s weights and zero the code's,
        so that p(x | z) is that MADE's p(x) for every z until training changes it."""
        if made.network.input_mask.shape != self.decoder.input_mask.shape:
            raise ValueError(f"the MADE has {made.network.hidden} hidden units and {made.n_inputs} inputs;"
                             f" this decoder needs {self.decoder.hidden} and {self.n_inputs}")
        missing, unexpected = self.decoder.load_state_dict(made.network.state_dict(), strict=False)
        if set(missing) != {"code_to_hidden.weight", "code_to_output.weight"} or unexpected:
            raise RuntimeError(f"the MADE's weights do not fit this decoder: missing {missing},"
                               f" unexpected {unexpected}")
        self.decoder.code_to_hidden.weight.zero_()
        self.decoder.code_to_output.weight.zero_()
        return self

    def decoder_logits(self, z: Tensor, x: Tensor | None = None) -> Tensor:
        """Codes (..., latent) and binary images x (..., n_inputs) -> each pixel's logit given the
        pixels before it and the code, (..., n_inputs). Without x there is no logit to give."""
        if x is None:
            raise ValueError("a MADE decoder's logits depend on the image's earlier pixels:"
                             " pass the images, decoder_logits(z, x)")
        return self.decoder(x, z)

    def _log_likelihood(self, z: Tensor, flat: Tensor) -> Tensor:
        targets = flat.expand(len(z), -1, -1)
        logits = self.decoder(targets, z)
        return -F.binary_cross_entropy_with_logits(logits, targets, reduction="none").sum(-1)

    def decode(self, z: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """(N, latent) codes -> binary images drawn from p(x | z), (N, 1, 28, 28) (or (N, n_inputs))."""
        validate.batch(z, "z", (self.latent,), like=self)
        x = self.decoder.sample(z, generator=generator)
        return x.view(-1, *example_shape(self.n_inputs))

    @torch.no_grad()
    def sample(self, n: int = 16, *, generator: torch.Generator | None = None,
               probabilities: bool = False) -> Tensor:
        """Draw n binary images: z ~ N(0, I), then x ~ p(x | z) pixel by pixel."""
        if probabilities:
            raise ValueError("a MADE decoder has no mean image to return: its pixels depend on each"
                             " other; call sample(n) for binary draws")
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent, generator=generator).to(device)
        return self.decode(z, generator=generator)
