import math

import pytest
import torch

from aelib import metrics, train
from aelib.models import AdversarialAutoencoder, KSparseAutoencoder, WTAAutoencoder, keep_top_k, sample_prior


def test_keep_top_k_keeps_the_largest_entries_along_a_dimension():
    h = torch.tensor([[3.0, 1.0, 2.0], [0.5, 4.0, 1.5]])
    torch.testing.assert_close(keep_top_k(h, 2, dim=1), torch.tensor([[3.0, 0.0, 2.0], [0.0, 4.0, 1.5]]))
    torch.testing.assert_close(keep_top_k(h, 1, dim=0), torch.tensor([[3.0, 0.0, 2.0], [0.0, 4.0, 0.0]]))
    with pytest.raises(ValueError, match="k must be in 1..3"):
        keep_top_k(h, 4, dim=1)


def test_k_sparse_code_has_k_units_per_example(digits):
    model = KSparseAutoencoder(100, k=7)
    code = model.encode(digits[0][:16])
    assert code.shape == (16, 100) and ((code != 0).sum(1) == 7).all()
    assert model(digits[0][:16]).shape == (16, 1, 28, 28) and model.decoder_filters.shape == (100, 784)
    features = model.features(digits[0][:16], alpha=3)  # the paper's test-time encoding: 3k units
    assert ((features != 0).sum(1) == 21).all()
    torch.testing.assert_close(features * (code != 0), code)  # the k largest are among them


def test_wta_keeps_each_units_top_fraction_over_the_batch(digits):
    model = WTAAutoencoder(50, rate=0.1)
    x = digits[0][:40]
    sparse = model.sparse_code(x)
    assert ((sparse > 0).sum(0) <= math.ceil(0.1 * 40)).all()  # at most 4 winners per unit
    dense = model.encode(x)
    assert (dense >= 0).all() and (dense > 0).sum() > (sparse > 0).sum()
    history = train.fit(model, digits[0], steps=40, batch_size=64, lr=1e-2)
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("call, match", [
    (lambda: KSparseAutoencoder(10, k=11), "k must be in 1..hidden=10"),
    (lambda: WTAAutoencoder(10, rate=0.0), r"rate .* must be in \(0, 1\]"),
    (lambda: WTAAutoencoder(0), "hidden must be an integer >= 1"),
    (lambda: AdversarialAutoencoder(prior="uniform"), "prior must be one of"),
    (lambda: AdversarialAutoencoder(discriminator_steps=0), "discriminator_steps must be an integer >= 1"),
    (lambda: AdversarialAutoencoder(gradient_penalty=-1.0), "gradient_penalty must be >= 0"),
    (lambda: AdversarialAutoencoder(code=3, prior="mixture"), "two-dimensional"),
    (lambda: sample_prior(5, "mixture", dims=3), "two-dimensional"),
    (lambda: metrics.mmd(torch.zeros(3, 2), torch.zeros(3, 3)), "same d"),
    (lambda: metrics.mmd(torch.zeros(3, 2), torch.zeros(3, 2), bandwidth=0), "bandwidth must be > 0"),
])
def test_bad_settings_are_explained(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_mixture_prior_has_ten_components_on_a_circle():
    z = sample_prior(5000, "mixture", generator=torch.Generator().manual_seed(0))
    radius = z.norm(dim=1)
    assert z.shape == (5000, 2) and abs(float(radius.mean()) - 4.0) < 0.1
    angles = torch.atan2(z[:, 1], z[:, 0]) % (2 * math.pi)
    component = torch.round(angles / (2 * math.pi / 10)) % 10
    assert torch.bincount(component.long(), minlength=10).min() > 350  # all ten used, about equally


def test_mmd_is_zero_for_identical_samples_and_grows_with_a_shift():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(500, 2, generator=g), torch.randn(500, 2, generator=g)
    assert metrics.mmd(a, a) == pytest.approx(0.0, abs=1e-12)
    same, shifted = metrics.mmd(a, b), metrics.mmd(a, b + 1.0)
    assert 0 <= same < 0.01 < shifted


def test_adversarial_autoencoder_trains_its_three_players(digits):
    torch.manual_seed(0)
    model = AdversarialAutoencoder(2, hidden=(64,), discriminator_hidden=(32,))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    history = train.fit(model, digits[0], steps=30, batch_size=64, lr=1e-3)
    assert history.train_loss[-1] < history.train_loss[0]
    changed = {n for n, p in model.named_parameters() if not torch.equal(before[n], p)}
    for part in ("encoder", "decoder", "discriminator"):
        assert any(n.startswith(part) for n in changed), part
    assert model.sample(5).shape == (5, 1, 28, 28)
    plain_gan = AdversarialAutoencoder(2, hidden=(64,), discriminator_hidden=(32,), gradient_penalty=0.0,
                                       discriminator_steps=1)
    assert train.fit(plain_gan, digits[0], steps=5, batch_size=64).train_loss


def test_k_is_annealed_from_k_start_during_training_only():
    torch.manual_seed(0)
    model = KSparseAutoencoder(50, k=5, k_start=25, anneal_steps=4)
    x = torch.rand(8, 1, 28, 28)
    kept = []
    for _ in range(6):
        kept.append(model.current_k())
        assert int((model.sparse_code(x) != 0).sum(1).max()) == kept[-1]
        model.loss(x)
    assert kept == [25, 20, 15, 10, 5, 5]
    model.eval()
    model.steps_trained = 0
    assert model.current_k() == 5 and int((model.encode(x) != 0).sum(1).max()) == 5
    model.train()
    assert int((model.encode(x) != 0).sum(1).max()) == 5, "encoding keeps k, whatever the schedule"
    with pytest.raises(ValueError, match="k_start must be in"):
        KSparseAutoencoder(50, k=5, k_start=60, anneal_steps=4)
    with pytest.raises(ValueError, match="with both k_start and anneal_steps"):
        KSparseAutoencoder(50, k=5, k_start=25)
