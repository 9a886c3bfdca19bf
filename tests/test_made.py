"""The MADE decoder and the VAE's remedies for posterior collapse (chapter 5b)."""

from __future__ import annotations

import itertools

import pytest
import torch

from aelib.models import VAE
from aelib.models.made import MADE, MADEVAE, MADEDecoder
from aelib.models.vae import gaussian_kl, unit_activity
from aelib.train import fit


def _decoder(n_inputs: int = 10, hidden: int = 7, context: int = 3) -> MADEDecoder:
    torch.manual_seed(0)
    decoder = MADEDecoder(n_inputs, hidden, context)
    with torch.no_grad():  # every weight nonzero, so a zero in the Jacobian is the mask's
        for p in decoder.parameters():
            p.add_(0.1 * torch.sign(p) + 0.05)
    return decoder


def test_each_logit_sees_only_earlier_pixels_and_the_code():
    decoder = _decoder()
    x, z = torch.bernoulli(torch.full((10,), 0.5)), torch.randn(3)
    d_x = torch.autograd.functional.jacobian(lambda v: decoder(v, z), x)  # (outputs, inputs)
    d_z = torch.autograd.functional.jacobian(lambda v: decoder(x, v), z)
    assert torch.equal(d_x.triu(), torch.zeros_like(d_x)), "a logit depends on its own or a later pixel"
    assert (d_x.diagonal(-1) != 0).all(), "each pixel should see the one before it"
    assert (d_z != 0).all(), "every logit should depend on the code"


def test_sampling_pixel_by_pixel_follows_the_full_pass_conditionals():
    decoder = _decoder(n_inputs=30, hidden=20)
    z = torch.randn(64, 3)
    x = decoder.sample(z, generator=torch.Generator().manual_seed(1))
    uniform = torch.rand(64, 30, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        p = torch.sigmoid(decoder(x, z))
    assert torch.equal((uniform < p).float(), x)


def test_the_made_alone_is_a_normalised_distribution():
    torch.manual_seed(0)
    made = MADE(hidden=6, n_inputs=5)
    every_image = torch.tensor(list(itertools.product((0.0, 1.0), repeat=5)))
    with torch.no_grad():
        total = torch.exp(-made.nll(every_image)).sum()
    assert total == pytest.approx(1.0, abs=1e-5)
    assert made.sample(3).shape == (3, 5)


def test_a_head_start_makes_the_decoder_the_made_for_every_code():
    torch.manual_seed(0)
    made = MADE(hidden=8, n_inputs=12)
    fit(made, torch.bernoulli(torch.full((64, 12), 0.3)), steps=5, batch_size=16)
    vae = MADEVAE(latent=2, hidden=(6,), made_hidden=8, n_inputs=12).start_from(made)
    x = torch.bernoulli(torch.full((5, 12), 0.3))
    with torch.no_grad():
        log_px_z = vae._log_likelihood(torch.randn(3, 5, 2), x)  # (codes, images)
        expected = -made.nll(x)
    assert torch.allclose(log_px_z, expected.expand(3, -1), atol=1e-5)
    with pytest.raises(ValueError, match="hidden units"):
        MADEVAE(latent=2, hidden=(6,), made_hidden=9, n_inputs=12).start_from(made)


def test_free_bits_charge_each_unit_at_least_lambda_and_nothing_below_it():
    torch.manual_seed(0)
    x = torch.bernoulli(torch.full((16, 12), 0.4))
    model = VAE(latent=3, hidden=(8,), n_inputs=12, train_samples=1, free_bits=100.0)
    torch.manual_seed(1)
    loss = model.loss(x)
    torch.manual_seed(1)
    reconstruction = -model._sample_codes(x, 1)[3][0].mean()
    assert float(loss.detach()) == pytest.approx(float(reconstruction.detach()) + 3 * 100.0, rel=1e-6)
    model.zero_grad()
    torch.manual_seed(1)
    model.loss(x).backward()
    free = model.encoder[-1].weight.grad.clone()
    plain = VAE(latent=3, hidden=(8,), n_inputs=12, train_samples=1)
    plain.load_state_dict(model.state_dict())
    torch.manual_seed(1)
    plain.loss(x).backward()
    assert not torch.allclose(free, plain.encoder[-1].weight.grad), "the floor should change the gradient"


def test_kl_annealing_raises_the_weight_linearly_during_training_only():
    model = VAE(latent=2, hidden=(6,), n_inputs=12, train_samples=1, kl_weight=2.0, kl_warmup=4)
    x = torch.bernoulli(torch.full((8, 12), 0.4))
    assert model.current_kl_weight() == 0.0
    model.eval()
    model.loss(x)
    assert model.current_kl_weight() == 0.0, "evaluation is not a training step"
    model.train()
    weights = []
    for _ in range(6):
        weights.append(model.current_kl_weight())
        model.loss(x)
    assert weights == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]


def test_the_remedies_need_the_one_sample_elbo_and_valid_values():
    with pytest.raises(ValueError, match="free_bits only applies to the ELBO"):
        VAE(train_samples=5, free_bits=0.25)
    with pytest.raises(ValueError, match="kl_warmup only applies to the ELBO"):
        VAE(train_samples=5, kl_warmup=10)
    with pytest.raises(ValueError, match="free_bits"):
        MADEVAE(free_bits=-1.0)
    with pytest.raises(ValueError, match="made_hidden"):
        MADEVAE(made_hidden=0)
    with pytest.raises(ValueError, match="decoder_logits"):
        MADEVAE().decoder_logits(torch.zeros(1, 32))


def test_unit_activity_is_the_variance_of_the_posterior_means():
    means = torch.tensor([[0.0, 1.0], [0.0, -1.0], [0.0, 0.0]])
    assert torch.equal(unit_activity(means), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="at least 2"):
        unit_activity(means[:1])
    assert torch.equal(gaussian_kl(means, torch.zeros_like(means)), 0.5 * means.pow(2).sum(-1))


def test_fit_calls_back_after_every_step():
    steps = []
    fit(MADE(hidden=4, n_inputs=6), torch.bernoulli(torch.full((32, 6), 0.5)), steps=5, batch_size=8,
        callback=steps.append)
    assert steps == [1, 2, 3, 4, 5]
