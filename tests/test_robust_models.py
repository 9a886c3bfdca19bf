import pytest
import torch

from aelib import models


@pytest.mark.parametrize("build", [models.DenoisingAutoencoder, models.ContractiveAutoencoder])
def test_robust_models_construct_without_arguments_and_follow_the_protocol(build, digits):
    model = build()
    x = digits[0][:8]
    z = model.encode(x)
    assert z.dim() == 2 and len(z) == 8
    assert model.decode(z).shape == x.shape and model(x).shape == x.shape
    loss = model.loss(x)
    assert loss.dim() == 0 and torch.isfinite(loss) and loss > 0
    loss.backward()


def test_contractive_closed_form_matches_autograd_jacobian():
    model = models.ContractiveAutoencoder(n_hidden=17, contraction=0.5).double()
    x = torch.rand(6, 1, 28, 28, dtype=torch.float64)
    closed = model.jacobian_norm2(x)
    autograd = models.jacobian_norm2(model.encode, x)
    assert closed.shape == (6,)
    torch.testing.assert_close(closed, autograd, rtol=1e-10, atol=1e-12)


def test_autograd_jacobian_norm_of_a_linear_map_is_its_frobenius_norm():
    layer = torch.nn.Linear(5, 3)
    x = torch.randn(4, 5)
    expected = layer.weight.pow(2).sum().expand(4)
    torch.testing.assert_close(models.jacobian_norm2(layer, x), expected.detach())


def test_contraction_adds_the_penalty_to_the_loss():
    x = torch.rand(5, 1, 28, 28)
    plain = models.ContractiveAutoencoder(n_hidden=8, contraction=0.0)
    penalised = models.ContractiveAutoencoder(n_hidden=8, contraction=2.0)
    penalised.load_state_dict(plain.state_dict())
    expected = plain.loss(x) + 2.0 * plain.jacobian_norm2(x).mean()
    torch.testing.assert_close(penalised.loss(x), expected)


def test_denoising_corrupts_only_in_the_loss_and_keeps_values_in_range():
    ae = models.Autoencoder((784, 16, 4))
    dae = models.DenoisingAutoencoder(ae, "gaussian", level=(0.2, 0.6))
    x = torch.rand(64, 1, 28, 28)
    torch.testing.assert_close(dae(x), ae(x))  # forward: no corruption
    noisy = dae.corrupt(x)
    assert noisy.shape == x.shape and noisy.min() >= 0 and noisy.max() <= 1
    per_image_std = (noisy - x).flatten(1).std(1)
    assert per_image_std.max() - per_image_std.min() > 0.05  # levels differ between images
    masked = models.DenoisingAutoencoder(ae, "masking", level=0.5).corrupt(torch.ones(1, 1, 28, 28))
    assert 0.4 < (masked == 0).float().mean() < 0.6
    salted = models.DenoisingAutoencoder(ae, "salt-pepper", level=0.5).corrupt(torch.zeros(1, 1, 28, 28))
    assert 0.15 < salted.mean() < 0.35 and set(salted.unique().tolist()) <= {0.0, 1.0}  # a quarter turned on


def test_unclipped_gaussian_noise_keeps_a_zero_mean_on_the_background():
    dae = models.DenoisingAutoencoder(models.Autoencoder((784, 4)), "gaussian", level=0.3, clip=False)
    torch.manual_seed(0)
    noisy = dae.corrupt(torch.zeros(64, 1, 28, 28))
    assert noisy.min() < 0 and abs(float(noisy.mean())) < 0.01
    clipped = models.DenoisingAutoencoder(models.Autoencoder((784, 4)), "gaussian", level=0.3)
    assert float(clipped.corrupt(torch.zeros(64, 1, 28, 28)).mean()) > 0.1  # 0.3 / sqrt(2 pi)


@pytest.mark.parametrize("kwargs", [dict(kind="blur"), dict(level=-0.1), dict(kind="masking", level=1.0),
                                    dict(kind="salt-pepper", level=1.0), dict(kind="masking", clip=False),
                                    dict(level=(0.5, 0.2))])
def test_denoising_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        models.DenoisingAutoencoder(models.Autoencoder((784, 4)), **kwargs)


def test_contractive_rejects_negative_weight():
    with pytest.raises(ValueError, match="contraction"):
        models.ContractiveAutoencoder(contraction=-1)


def test_document_autoencoder_decodes_distributions_and_checks_its_input():
    model = models.DocumentAutoencoder(vocabulary_size=50, dims=(16, 3))
    counts = torch.poisson(torch.full((7, 50), 0.5))
    assert model.encode(counts).shape == (7, 3)
    torch.testing.assert_close(model(counts).sum(1), torch.ones(7))
    loss = model.loss(counts)
    assert torch.isfinite(loss) and loss > 0
    assert models.DocumentAutoencoder().vocabulary_size == 2000
    with pytest.raises(ValueError, match=r"\(N, 50\)"):
        model.encode(torch.zeros(7, 49))
    with pytest.raises(ValueError, match=">= 0"):
        model.encode(-counts - 1)
