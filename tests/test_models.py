import pytest
import torch

from aelib import models


@pytest.mark.parametrize("cls", [models.Autoencoder, models.LinearAutoencoder])
def test_models_construct_without_arguments_and_follow_the_protocol(cls, digits):
    model = cls()
    x = digits[0][:16]
    z = model.encode(x)
    assert z.shape == (16, 30)
    assert model.decode(z).shape == x.shape and model(x).shape == x.shape
    loss = model.loss(x)
    assert loss.dim() == 0 and loss > 0
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_autoencoder_output_in_unit_interval_and_linear_code():
    model = models.Autoencoder((784, 64, 3))
    out = model(torch.rand(5, 1, 28, 28))
    assert 0 <= out.min() and out.max() <= 1
    assert isinstance(model.encoder[-1], torch.nn.Linear)  # the code layer is linear
    assert model.code_size == 3


def test_loss_is_mean_per_image_sum_of_squares():
    model = models.LinearAutoencoder(2)
    x = torch.rand(4, 1, 28, 28)
    expected = ((model(x) - x) ** 2).sum((1, 2, 3)).mean()
    assert torch.allclose(model.loss(x), expected)


def test_mlp_needs_two_sizes():
    with pytest.raises(ValueError, match="at least two sizes"):
        models.mlp([784])


def test_classifier_trains_on_labels_and_reports_accuracy(digits):
    from aelib import train

    x, y = digits
    model = models.Classifier((784, 10))  # logistic regression
    history = train.fit(model, x[:200], y[:200], steps=60, batch_size=50, lr=1e-2,
                        x_val=x[200:], y_val=y[200:])
    assert history.train_loss[-1] < history.train_loss[0] and len(history.val_loss) == len(history.epoch)
    assert model.accuracy(x[:200], y[:200]) > 0.9
    probabilities = model.probabilities(x[:5])
    assert probabilities.shape == (5, 10) and torch.allclose(probabilities.sum(1), torch.ones(5))
    with pytest.raises(ValueError, match=r"x must be a batch of shape \(N, 1, 28, 28\) or \(N, 784\)"):
        model(torch.rand(3, 100))
