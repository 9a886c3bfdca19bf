import math

import pytest
import torch

from aelib import metrics, train
from aelib.models import SparseAutoencoder, bernoulli_kl


def test_bernoulli_kl_is_zero_at_the_target_and_matches_the_formula():
    rho_hat = torch.tensor([0.05, 0.2, 0.5])
    kl = bernoulli_kl(0.05, rho_hat)
    assert kl[0] == pytest.approx(0.0, abs=1e-7)
    expected = 0.05 * math.log(0.05 / 0.5) + 0.95 * math.log(0.95 / 0.5)
    assert kl[2] == pytest.approx(expected, rel=1e-6) and kl[1] < kl[2]
    assert torch.isfinite(bernoulli_kl(0.05, torch.tensor([0.0, 1.0]))).all()  # clamped, finite


@pytest.mark.parametrize("call, match", [
    (lambda: bernoulli_kl(0.0, torch.tensor([0.1])), r"rho .* must be in \(0, 1\)"),
    (lambda: bernoulli_kl(1.5, torch.tensor([0.1])), r"rho .* must be in \(0, 1\)"),
    (lambda: bernoulli_kl(0.05, torch.tensor([1.2])), r"must lie in \[0, 1\]"),
    (lambda: bernoulli_kl(0.05, torch.tensor([float("nan")])), "finite"),
    (lambda: SparseAutoencoder(beta=-1.0), "beta"),
    (lambda: SparseAutoencoder(rho=1.0), "rho"),
    (lambda: SparseAutoencoder(penalty="l2"), "penalty must be one of"),
])
def test_bad_sparsity_settings_are_explained(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_units_start_at_the_target_and_the_penalty_is_added(digits):
    x = digits[0][:64]
    model = SparseAutoencoder(200, rho=0.05, beta=3.0)
    h = model.encode(x)
    assert h.shape == (64, 200) and abs(float(h.detach().mean()) - 0.05) < 0.03  # biases at logit(rho)
    plain = SparseAutoencoder(200, rho=0.05, penalty="none")
    plain.load_state_dict(model.state_dict())
    torch.testing.assert_close(model.loss(x) - plain.loss(x), 3.0 * bernoulli_kl(0.05, h.mean(0)).sum())
    l1 = SparseAutoencoder(200, penalty="l1", beta=0.5)
    l1.load_state_dict(model.state_dict())
    torch.testing.assert_close(l1.loss(x) - plain.loss(x), 0.5 * h.sum(1).mean())


def test_tied_weights_share_the_encoder_matrix(digits):
    model = SparseAutoencoder(50, tied=True)
    assert model.decoder is None and model.decoder_filters.shape == (50, 784)
    assert sum(p.numel() for p in model.parameters()) == 784 * 50 + 50 + 784
    x = digits[0][:8]
    assert model(x).shape == x.shape
    model.loss(x).backward()
    assert model.encoder.weight.grad is not None


def test_training_with_the_kl_penalty_keeps_the_mean_near_rho(digits):
    x = digits[0]
    torch.manual_seed(0)
    model = SparseAutoencoder(100, rho=0.1, beta=3.0)
    train.fit(model, x, steps=150, batch_size=64, lr=1e-2)
    with torch.no_grad():
        assert abs(float(model.encode(x).mean()) / 0.1 - 1) < 0.3


def test_linear_probe_separates_informative_from_random_features(digits):
    x, y = digits
    accuracy = metrics.linear_probe(x[:200], y[:200], x[200:], y[200:])
    noise = metrics.linear_probe(torch.randn(200, 20), y[:200], torch.randn(56, 20), y[200:])
    assert accuracy > 0.7 and noise < 0.4
    with pytest.raises(ValueError, match="one label per example"):
        metrics.linear_probe(x[:10], y[:9], x[:5], y[:5])


def test_linear_probe_agrees_with_scikit_learn_logistic_regression(digits):
    # The same objective: mean cross-entropy + l2 |W|^2 is C = 1 / (2 l2 N) in scikit-learn's terms.
    from sklearn.linear_model import LogisticRegression

    x, y = digits
    train_x, test_x = x[:200].flatten(1).double(), x[200:].flatten(1).double()
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-6)
    reference = LogisticRegression(C=1 / (2 * 1e-3 * 200), tol=1e-10, max_iter=5000)
    reference.fit(((train_x - mean) / std).numpy(), y[:200].numpy())
    expected = reference.score(((test_x - mean) / std).numpy(), y[200:].numpy())
    accuracy = metrics.linear_probe(x[:200], y[:200], x[200:], y[200:])
    assert accuracy == pytest.approx(expected, abs=2 / len(test_x))  # at most two test digits differ
