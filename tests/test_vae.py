import math

import pytest
import torch

from aelib import models
from aelib.models import vae as vae_module


def test_vae_follows_the_protocol(digits):
    model = models.VAE()
    x = (digits[0][:8] > 0.5).float()
    mean, log_var = model.posterior(x)
    assert mean.shape == log_var.shape == (8, 32)
    assert model.decode(mean).shape == x.shape and model(x).shape == x.shape
    loss = model.loss(x)
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in model.parameters())
    assert model.nll(x, k=10).shape == (8,)
    samples = model.sample(3, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (3, 1, 28, 28) and set(samples.unique().tolist()) <= {0.0, 1.0}


def test_kl_closed_form_matches_monte_carlo_and_the_lectures_regulariser():
    torch.manual_seed(0)
    m, s = torch.randn(3, 4), torch.randn(3, 4)  # s: the log variance ("sigma" in the lecture)
    z = m + (0.5 * s).exp() * torch.randn(200_000, 3, 4)
    monte_carlo = (vae_module.log_normal(z, m, s) - vae_module.log_normal(z, 0 * z, 0 * z)).mean(0)
    closed = vae_module.gaussian_kl(m, s)
    torch.testing.assert_close(monte_carlo, closed, atol=0.03, rtol=0.01)
    lecture = (s.exp() - (1 + s) + m.pow(2)).sum(-1)
    torch.testing.assert_close(lecture, 2 * closed)


def _exact_nll(model, x):
    # -log p(x) = -log integral p(x|z) N(z; 0, 1) dz, by quadrature on a fine grid (latent = 1).
    z = torch.linspace(-12, 12, 24_001, dtype=torch.float64)[:, None]
    logits = model.decoder_logits(z)  # (G, D)
    log_px_z = -torch.nn.functional.binary_cross_entropy_with_logits(
        logits[:, None, :].expand(-1, len(x), -1), x.expand(len(z), -1, -1), reduction="none").sum(-1)
    log_prior = -0.5 * (math.log(2 * math.pi) + z.pow(2))
    return -(torch.logsumexp(log_px_z + log_prior, 0) + math.log(z[1, 0] - z[0, 0]))


@torch.no_grad()
def test_importance_sampled_nll_is_bounded_and_converges_to_the_exact_value():
    torch.manual_seed(1)
    model = models.VAE(latent=1, hidden=(8,), n_inputs=5).double()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.7)
    x = torch.tensor([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.float64)
    exact = _exact_nll(model, x)
    errors = {}
    for k in (1, 10, 100, 10_000):
        torch.manual_seed(k)
        weights = model.log_weights(x, k)  # (k, N)
        iwae = -(torch.logsumexp(weights, 0) - math.log(k))
        elbo = -weights.mean(0)
        assert (iwae <= elbo + 1e-12).all()  # same samples: never above -ELBO
        if k > 1:  # the estimate may fall below the exact value only by Monte-Carlo error
            spread = weights.exp().std(0) / weights.exp().mean(0) / math.sqrt(k)  # relative error
            assert (iwae >= exact - 5 * spread - 1e-9).all()
        errors[k] = float((iwae - exact).abs().mean())
    assert errors[10_000] < 0.1 and errors[10_000] < errors[100] < errors[1], errors
    torch.manual_seed(0)
    torch.testing.assert_close(model.nll(x, k=10_000, chunk=999), exact, atol=0.05, rtol=0)


def test_vae_rejects_bad_input():
    model = models.VAE()
    with pytest.raises(ValueError, match="binary"):
        model.nll(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match="k"):
        model.nll(torch.zeros(2, 1, 28, 28), k=0)
    with pytest.raises(ValueError, match="n must"):
        model.sample(0)
    with pytest.raises(ValueError, match=r"\(N, 5\)"):
        models.VAE(n_inputs=5).loss(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="latent"):
        models.VAE(latent=0)


def test_pytorch_examples_reference_has_its_architecture():
    reference = models.VAE.pytorch_examples()
    # fc1 784-400, fc21 + fc22 400-20 (here one 400-40 layer), fc3 20-400, fc4 400-784
    assert sum(p.numel() for p in reference.parameters()) == 652_824
    assert isinstance(reference.encoder[1], torch.nn.ReLU) and reference.latent == 20
    assert reference.train_samples == 1


def test_kl_weight_scales_the_kl_term_only():
    x = (torch.rand(6, 1, 28, 28) > 0.5).double()
    plain, no_kl = models.VAE(train_samples=1).double(), models.VAE(train_samples=1, kl_weight=0.0).double()
    no_kl.load_state_dict(plain.state_dict())
    torch.manual_seed(3)
    mean, log_var = plain.posterior(x)
    kl = vae_module.gaussian_kl(mean, log_var).mean()
    torch.manual_seed(4)
    with_kl = plain.loss(x)
    torch.manual_seed(4)
    without = no_kl.loss(x)
    torch.testing.assert_close(with_kl - without, kl)
    with pytest.raises(ValueError, match="kl_weight only applies"):
        models.VAE(kl_weight=0.5)  # the default trains on the IWAE bound
    with pytest.raises(ValueError, match="kl_weight must be >= 0"):
        models.VAE(train_samples=1, kl_weight=float("nan"))


def test_k_sample_elbo_objective_averages_the_log_weights():
    # Burda et al.'s control "VAE, k": the same k draws as the IWAE bound, averaged inside the
    # log (ELBO) instead of outside it; on the same draws it is never above the IWAE bound.
    x = (torch.rand(6, 1, 28, 28) > 0.5).double()
    iwae = models.VAE(train_samples=5).double()
    elbo_k = models.VAE(train_samples=5, objective="elbo").double()
    elbo_k.load_state_dict(iwae.state_dict())
    torch.manual_seed(5)
    weights = iwae.log_weights(x, 5)
    torch.manual_seed(5)
    torch.testing.assert_close(elbo_k.loss(x), -weights.mean())
    torch.manual_seed(5)
    assert iwae.loss(x) <= elbo_k.loss(x)
    with pytest.raises(ValueError, match="objective"):
        models.VAE(objective="kl")
