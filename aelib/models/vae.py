"""The variational autoencoder (Kingma & Welling 2014) for binary images, with the importance-
weighted bound of Burda et al. (2016) both as a tighter training objective and as the test NLL.

Notation of the lecture: the encoder outputs m and sigma; here ``log_var`` is sigma read as the
log variance, so the code is c = exp(sigma / 2) * e + m with e ~ N(0, I), and
KL(q(z|x) || N(0, I)) = 1/2 sum_i (exp(sigma_i) - 1 - sigma_i + m_i^2): half the lecture's
regulariser sum_i (exp(sigma_i) - (1 + sigma_i) + m_i^2).

Explained in chapter 5, `chapters/05_vae.ipynb`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import validate
from .base import IMAGE_SHAPE, flat_binary, mlp

LOG_2PI = math.log(2 * math.pi)


def gaussian_kl(mean: Tensor, log_var: Tensor) -> Tensor:
    """KL(N(mean, diag exp(log_var)) || N(0, I)) per example, (N,)."""
    return gaussian_kl_units(mean, log_var).sum(-1)


def gaussian_kl_units(mean: Tensor, log_var: Tensor) -> Tensor:
    """The KL of each code dimension, (N, latent): ``gaussian_kl`` is their sum."""
    return 0.5 * (log_var.exp() - 1 - log_var + mean.pow(2))


ACTIVE_UNIT_THRESHOLD = 0.01


def unit_activity(means: Tensor) -> Tensor:
    """Activity of each code unit, (latent,): A_u = Cov_x(E_q[z_u | x]), the variance across
    images of the posterior means (N, latent). Burda et al. (2016) call a unit active when
    A_u > 0.01 (``ACTIVE_UNIT_THRESHOLD``): an inactive unit's mean is the same for every image,
    so it tells the decoder nothing."""
    validate.tensor(means, "means", rank=2)
    if len(means) < 2:
        raise ValueError(f"unit activity is a variance across images: give at least 2, got {len(means)}")
    return means.var(0)


def iwae_bound(log_weights: Tensor, k: int) -> Tensor:
    """-L_k per example, (N,), from log importance weights (K, N): each example's K weights split
    into K // k disjoint groups of k, L_k = log of each group's mean weight, averaged over the
    groups (Burda et al. 2016). k = 1 is the ELBO; L_k rises towards log p(x) as k grows."""
    validate.positive_int(k, "k", upper=len(log_weights), upper_name="the number of weights")
    groups = log_weights[: len(log_weights) // k * k].view(-1, k, log_weights.shape[1])
    return -(torch.logsumexp(groups, 1) - math.log(k)).mean(0)


def log_normal(z: Tensor, mean: Tensor, log_var: Tensor) -> Tensor:
    """log N(z; mean, diag exp(log_var)), summed over the last dimension."""
    return -0.5 * (LOG_2PI + log_var + (z - mean).pow(2) / log_var.exp()).sum(-1)


class VAE(nn.Module):
    """x (N, 1, 28, 28) binary -> q(z|x) = N(m, diag exp(sigma)) -> Bernoulli decoder p(x|z).

    ``hidden`` sets the MLP widths of the encoder (mirrored in the decoder), ``activation`` the
    nonlinearity between them. ``train_samples`` = k > 1 trains on the importance-weighted bound
    with k samples (IWAE), which is tighter than the ELBO; k = 1 is the ordinary VAE.
    ``objective="elbo"`` with k > 1 trains instead on the ELBO averaged over k samples (the
    same gradient estimator with k draws, the control Burda et al. call "VAE, k"; the bound is
    the ELBO whatever k is).
    ``kl_weight`` scales the KL term of the ELBO (k = 1 only): 0 leaves an autoencoder with
    noisy codes, 1 is the VAE, above 1 the beta-VAE (Higgins et al. 2017). Two remedies for
    posterior collapse act on the same term (k = 1 only): ``kl_warmup`` = T raises the KL weight
    linearly from 0 to ``kl_weight`` over the first T training steps (KL annealing, Bowman et
    al. 2016; the model counts the ``loss`` calls it makes in training mode), and
    ``free_bits`` = lambda charges each code unit max(lambda, its batch-mean KL) nats, so a
    unit below lambda costs nothing more and is free to carry information (Kingma et al.
    2016). ``n_inputs`` allows other sizes (the unit tests use tiny ones);
    images are then (N, n_inputs).
    """

    _parameter_constraints = {"latent": validate.Interval(1, integer=True),
                              "train_samples": validate.Interval(1, integer=True),
                              "n_inputs": validate.Interval(1, integer=True),
                              "kl_weight": validate.Interval(0),
                              "free_bits": validate.Interval(0),
                              "kl_warmup": validate.Interval(0, integer=True),
                              "objective": validate.Options(("iwae", "elbo"))}

    def __init__(self, latent: int = 32, hidden: Sequence[int] = (512, 256), train_samples: int = 5,
                 n_inputs: int = 784, *, activation: type[nn.Module] = nn.ELU, kl_weight: float = 1.0,
                 objective: str = "iwae", free_bits: float = 0.0, kl_warmup: int = 0):
        validate.parameters(self, locals())
        super().__init__()
        for name, value, default in (("kl_weight", kl_weight, 1), ("free_bits", free_bits, 0),
                                     ("kl_warmup", kl_warmup, 0)):
            if value != default and train_samples > 1:
                raise ValueError(f"{name} only applies to the ELBO: use train_samples=1 with it"
                                 f" (got train_samples={train_samples}, {name}={value})")
        self.latent, self.train_samples, self.n_inputs = latent, train_samples, n_inputs
        self.objective = objective
        self.kl_weight, self.free_bits, self.kl_warmup = float(kl_weight), float(free_bits), kl_warmup
        self.steps_trained = 0  # loss calls in training mode: the clock of kl_warmup
        self.encoder = mlp((n_inputs, *hidden, 2 * latent), act=activation)
        self.decoder = mlp((latent, *hidden[::-1], n_inputs), act=activation)

    @classmethod
    def pytorch_examples(cls) -> VAE:
        """The classic reference of pytorch/examples (vae/main.py): 784-400-20 encoder, 20-400-784
        decoder, ReLU, the one-sample ELBO. Its fc21/fc22 heads are the two halves of the last
        encoder layer here."""
        return cls(latent=20, hidden=(400,), train_samples=1, activation=nn.ReLU)

    def _flat(self, x: Tensor) -> Tensor:
        return flat_binary(x, self, self.n_inputs)

    def _posterior(self, flat: Tensor) -> tuple[Tensor, Tensor]:
        mean, log_var = self.encoder(flat).chunk(2, dim=-1)
        return mean, log_var.clamp(-12, 8)

    @property
    def code_size(self) -> int:
        return self.latent

    def posterior(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Binary x -> (m, sigma): mean and log variance of q(z|x), each (N, latent)."""
        return self._posterior(self._flat(x))

    def encode(self, x: Tensor) -> Tensor:
        """Binary x -> the posterior means m, (N, latent): the code a VAE's decoder reconstructs
        from, and the one to plot or probe (``posterior`` gives the variance too)."""
        return self.posterior(x)[0]

    def decoder_logits(self, z: Tensor) -> Tensor:
        """(..., latent) -> Bernoulli logits (..., n_inputs)."""
        return self.decoder(z)

    def decode(self, z: Tensor) -> Tensor:
        """(N, latent) codes -> pixel probabilities, images (N, 1, 28, 28) (or (N, n_inputs))."""
        validate.batch(z, "z", (self.latent,), like=self)
        probs = torch.sigmoid(self.decoder_logits(z))
        return probs.view(-1, *IMAGE_SHAPE) if self.n_inputs == 784 else probs

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction: the decoded mean code, as pixel probabilities."""
        return self.decode(self.encode(x))

    def _sample_codes(self, x: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """k codes per example by reparameterisation, z = m + exp(sigma / 2) * e, so gradients
        flow to the encoder through m and sigma. Returns m, sigma (N, latent), z (k, N, latent)
        and log p(x | z) (k, N)."""
        flat = self._flat(x)
        mean, log_var = self._posterior(flat)
        z = mean + (0.5 * log_var).exp() * torch.randn(k, *mean.shape, device=mean.device)
        return mean, log_var, z, self._log_likelihood(z, flat)

    def _log_likelihood(self, z: Tensor, flat: Tensor) -> Tensor:
        """log p(x | z) (k, N) of the images ``flat`` (N, n_inputs) under codes z (k, N, latent)."""
        return -F.binary_cross_entropy_with_logits(
            self.decoder_logits(z), flat.expand(len(z), -1, -1), reduction="none").sum(-1)

    def log_weights(self, x: Tensor, k: int) -> Tensor:
        """log p(x, z_j) - log q(z_j | x) for k codes z_j ~ q(z|x) per example: (k, N)."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k (samples per example) must be an integer >= 1, got {k!r}")
        mean, log_var, z, log_px_z = self._sample_codes(x, k)
        log_pz = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))
        return log_px_z + log_pz - log_normal(z, mean, log_var)

    def elbo(self, x: Tensor, kl_weight: float = 1.0) -> Tensor:
        """Evidence lower bound per example (N,) with one sample and the KL in closed form,
        multiplied by ``kl_weight``: 1 gives the ELBO, above 1 a looser bound on log p(x), below
        1 no bound at all."""
        mean, log_var, _, log_px_z = self._sample_codes(x, 1)
        return log_px_z[0] - kl_weight * gaussian_kl(mean, log_var)

    def current_kl_weight(self) -> float:
        """The KL weight the next training step uses: ``kl_weight``, ramped up from 0 over the
        first ``kl_warmup`` steps."""
        if self.kl_warmup == 0:
            return self.kl_weight
        return self.kl_weight * min(1.0, self.steps_trained / self.kl_warmup)

    def loss(self, x: Tensor) -> Tensor:
        """-ELBO (train_samples = 1, KL scaled by kl_weight, annealed or with free bits), -IWAE
        bound with train_samples samples, or (objective "elbo") -ELBO averaged over
        train_samples samples; batch mean."""
        if self.train_samples == 1 and not (self.free_bits or self.kl_warmup):
            return -self.elbo(x, self.kl_weight).mean()
        if self.train_samples == 1:
            weight = self.current_kl_weight()
            if self.training:
                self.steps_trained += 1
            mean, log_var, _, log_px_z = self._sample_codes(x, 1)
            kl_units = gaussian_kl_units(mean, log_var).mean(0)  # (latent,): batch-mean KL per unit
            if self.free_bits:
                kl_units = kl_units.clamp(min=self.free_bits)
            return -log_px_z[0].mean() + weight * kl_units.sum()
        weights = self.log_weights(x, self.train_samples)
        if self.objective == "elbo":
            return -weights.mean()
        return -(torch.logsumexp(weights, 0) - math.log(self.train_samples)).mean()

    @torch.no_grad()
    def nll(self, x: Tensor, k: int = 1000, chunk: int = 200) -> Tensor:
        """Importance-sampled estimate of -log p(x) per example in nats (N,), with k samples.

        -log (1/k sum_j w_j): an upper bound on -log p(x) in expectation, tighter as k grows
        (Burda et al. 2016). Samples are drawn ``chunk`` at a time to bound memory.
        """
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k (samples per example) must be an integer >= 1, got {k!r}")
        parts = [self.log_weights(x, min(chunk, k - start)) for start in range(0, k, chunk)]
        return -(torch.logsumexp(torch.cat(parts), 0) - math.log(k))

    @torch.no_grad()
    def sample(self, n: int = 16, *, generator: torch.Generator | None = None,
               probabilities: bool = False) -> Tensor:
        """Draw n images: z ~ N(0, I), x ~ Bernoulli(decoder(z)); or the probabilities."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent, generator=generator).to(device)
        probs = self.decode(z)
        return probs if probabilities else torch.bernoulli(probs)
