import pytest
import torch
from torch import nn

from aelib import data, train
from aelib.models import Classifier, LayerAutoencoder, StackedAutoencoder, init_weights, mlp


def test_stack_shapes_and_partial_encodings(digits):
    x = digits[0][:8]
    stack = StackedAutoencoder((784, 64, 32, 8))
    assert stack.depth == 3 and stack.code_size == 8
    assert stack.encode(x).shape == (8, 8) and stack.encode(x, 1).shape == (8, 64)
    assert torch.equal(stack.encode(x, 0), x.flatten(1))
    out = stack(x)
    assert out.shape == x.shape and 0 <= out.min() and out.max() <= 1
    torch.testing.assert_close(stack.loss(x), (out - x).pow(2).flatten(1).sum(1).mean())


def test_tied_stack_shares_mirrored_weights():
    untied, tied = StackedAutoencoder((784, 64, 8)), StackedAutoencoder((784, 64, 8), tied=True)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(untied) - count(tied) == 784 * 64 + 64 * 8  # the decoder matrices are gone
    tied.loss(torch.rand(4, 1, 28, 28)).backward()
    assert tied.encoders[0].weight.grad is not None and tied.decoder_biases[0].grad is not None


@pytest.mark.parametrize("tied", [False, True])
def test_a_layer_trains_the_stacks_own_weights(digits, tied):
    stack = StackedAutoencoder((784, 64, 8), tied=tied)
    layer = stack.layer(1)
    before = [p.detach().clone() for p in stack.parameters()]
    h = stack.encode(digits[0], 1).detach()
    history = train.fit(layer, h, steps=30, batch_size=64, lr=1e-2)
    changed = [not torch.equal(b, p) for b, p in zip(before, stack.parameters())]
    assert history.train_loss[-1] < history.train_loss[0]
    assert not any(changed[:2]) and any(changed[2:])  # layer 0 untouched, layer 1 trained
    assert layer(h).shape == h.shape


def test_greedy_training_builds_a_working_stack(digits):
    x = digits[0]
    stack = StackedAutoencoder((784, 64, 16))
    start = float(stack.loss(x))
    histories = train.fit_greedy(stack, x, steps=60, batch_size=64, lr=1e-2)
    assert len(histories) == 2 and all(h.train_loss[-1] < h.train_loss[0] for h in histories)
    assert float(stack.loss(x)) < 0.8 * start


def test_classifier_from_a_stack_copies_the_encoder(digits):
    stack = StackedAutoencoder((784, 64, 16))
    classifier = stack.to_classifier(10)
    assert isinstance(classifier, Classifier) and classifier(digits[0][:4]).shape == (4, 10)
    torch.testing.assert_close(classifier.net[0].weight, stack.encoders[0].weight)
    torch.testing.assert_close(classifier.net[2].weight, stack.encoders[1].weight)
    with torch.no_grad():
        classifier.net[0].weight.zero_()
    assert stack.encoders[0].weight.abs().sum() > 0  # a copy, not shared


@pytest.mark.parametrize("call, match", [
    (lambda: StackedAutoencoder((784,)), "at least two positive"),
    (lambda: StackedAutoencoder((784, 0, 8)), "at least two positive"),
    (lambda: StackedAutoencoder((784, 64, 8)).layer(2), r"layer index must be in 0\.\.1"),
    (lambda: LayerAutoencoder(StackedAutoencoder(), -1), "layer index"),
    (lambda: init_weights(nn.Linear(3, 2), "orthogonal"), "scheme must be one of"),
    (lambda: init_weights(nn.Linear(3, 2), "small", std=0), "std must be > 0"),
])
def test_bad_stack_settings_are_explained(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_init_schemes_set_the_documented_scales():
    torch.manual_seed(0)
    layer = nn.Linear(1000, 500)
    init_weights(layer, "small", std=0.01)
    assert layer.weight.std().item() == pytest.approx(0.01, rel=0.02) and layer.bias.abs().sum() == 0
    init_weights(layer, "xavier")
    assert layer.weight.var().item() == pytest.approx(2 / 1500, rel=0.03)
    init_weights(layer, "he")
    assert layer.weight.var().item() == pytest.approx(2 / 1000, rel=0.03)


def test_mlp_with_batch_norm_normalises_each_hidden_layer():
    net = mlp((784, 32, 16, 10), act=nn.Sigmoid, batch_norm=True)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "BatchNorm1d", "Sigmoid", "Linear", "BatchNorm1d", "Sigmoid", "Linear"]


def test_sgd_optimizer_trains_and_unknown_optimizers_are_refused(digits):
    x, y = digits
    model = Classifier((784, 10))
    history = train.fit(model, x, y, steps=40, batch_size=64, lr=0.05, optimizer="sgd")
    assert history.train_loss[-1] < history.train_loss[0]
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train.fit(model, x, y, steps=1, optimizer="lbfgs")


def test_labelled_subset_is_balanced_and_reproducible(digits):
    _, y = digits
    index = data.labelled_subset(y, 3, seed=1)
    assert len(index) == 30 and torch.equal(torch.bincount(y[index]), torch.full((10,), 3))
    assert torch.equal(index, data.labelled_subset(y, 3, seed=1))
    assert not torch.equal(index, data.labelled_subset(y, 3, seed=2))
    with pytest.raises(ValueError, match="fewer than per_class"):
        data.labelled_subset(y, 1000)
    with pytest.raises(ValueError, match="integer >= 1"):
        data.labelled_subset(y, 0)
