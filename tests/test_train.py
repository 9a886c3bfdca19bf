import pytest
import torch
from torch import nn

from aelib import train
from aelib.models import Autoencoder


def small_ae():
    return Autoencoder((784, 32, 8))


def test_fit_with_steps_reduces_loss_and_records_history(digits):
    x, _ = digits
    model = small_ae()
    before = train.evaluate(model, x)
    hist = train.fit(model, x, steps=60, batch_size=32, lr=3e-3, x_val=x[:64])
    assert hist.step[-1] == 60 and len(hist.step_loss) == 60
    assert hist.epoch == [1, 2, 3, 4, 5, 6, 7, 8]  # 8 batches per epoch: 7 full epochs + 4 steps
    assert len(hist.val_loss) == len(hist.epoch) == len(hist.seconds) == len(hist.lr)
    assert train.evaluate(model, x) < 0.8 * before
    assert not model.training
    assert "60 steps" in repr(hist)


def test_fit_with_epochs_counts_full_batches(digits):
    x, _ = digits
    hist = train.fit(small_ae(), x, epochs=2, batch_size=100)
    assert hist.epoch == [1, 2] and hist.step == [2, 4]


def test_onecycle_schedule_ends_near_zero_and_augment_is_applied(digits):
    x, _ = digits
    seen = []

    def augment(batch):
        seen.append(batch.shape)
        return batch

    hist = train.fit(small_ae(), x, steps=10, batch_size=64, lr=1e-2, schedule="onecycle",
                     augment=augment)
    assert hist.lr[-1] < 1e-4 and len(seen) == 10
    with pytest.raises(ValueError, match="unknown schedule"):
        train.fit(small_ae(), x, steps=1, schedule="sometimes")


def test_fit_is_reproducible_with_a_seed(digits):
    x, _ = digits
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        runs.append(train.fit(small_ae(), x, steps=5, batch_size=32).step_loss)
    assert runs[0] == runs[1]


def test_fused_adamw_step_matches_the_unfused_step_up_to_rounding(digits):
    x, _ = digits
    losses = {}
    for fused in (False, True):
        torch.manual_seed(0)
        model = small_ae()
        losses[fused] = train.fit(model, x, steps=30, batch_size=32, lr=3e-3, fused=fused).step_loss
    assert losses[True] == pytest.approx(losses[False], rel=1e-3)


def test_model_without_loss_is_rejected(digits):
    with pytest.raises(TypeError, match="has no loss"):
        train.fit(nn.Linear(784, 10), digits[0], steps=1)


@pytest.mark.parametrize("x, match", [
    (torch.empty(0, 1, 28, 28), "empty"),
    (torch.full((8, 1, 28, 28), float("nan")), "NaN"),
    ([[0.0]], "torch.Tensor"),
])
def test_bad_data_is_rejected(x, match):
    with pytest.raises((ValueError, TypeError), match=match):
        train.fit(small_ae(), x, steps=1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(steps=1, batch_size=0), "batch_size must be an integer in 1..256"),
    (dict(steps=1, batch_size=257), "batch_size must be an integer in 1..256"),
    (dict(steps=0), "steps must be an integer >= 1, got 0"),
    (dict(epochs=-1), "epochs must be an integer >= 1, got -1"),
    (dict(steps=2.5), "steps must be an integer >= 1, got 2.5"),
    (dict(), "exactly one budget"),
    (dict(steps=1, epochs=1), "exactly one budget"),
])
def test_bad_budgets_are_rejected(digits, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train.fit(small_ae(), digits[0], **kwargs)


class ExplodesAtStep(nn.Module):
    def __init__(self, bad_step):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.calls, self.bad_step = 0, bad_step

    def loss(self, x):
        self.calls += 1
        value = (self.w * x.mean()) ** 2
        return value * float("nan") if self.calls == self.bad_step else value


def test_nan_loss_names_epoch_and_step(digits):
    with pytest.raises(FloatingPointError, match="became nan at epoch 2, step 11"):
        train.fit(ExplodesAtStep(11), digits[0], steps=20, batch_size=32)  # 8 batches per epoch


class TwoOptimizers(nn.Module):
    """A model driven by train_step with its own optimizers (like an adversarial AE)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(784, 1), nn.Linear(784, 1)
        self.steps = 0

    def configure_optimizers(self, lr, weight_decay):
        return [torch.optim.SGD(self.a.parameters(), lr=lr), torch.optim.SGD(self.b.parameters(), lr=lr)]

    def train_step(self, batch, optimizers):
        self.steps += 1
        for module, opt in zip((self.a, self.b), optimizers):
            loss = module(batch.flatten(1)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss.detach()

    def loss(self, x):
        return self.a(x.flatten(1)).pow(2).mean()


def test_train_step_protocol(digits):
    model = TwoOptimizers()
    hist = train.fit(model, digits[0], steps=7, batch_size=64, schedule="cosine")
    assert model.steps == 7 and len(hist.step_loss) == 7


def test_predict_batches_and_returns_cpu(digits):
    x, _ = digits
    model = small_ae()
    codes = train.predict(model.encode, x, batch_size=100)
    assert codes.shape == (256, 8) and codes.device.type == "cpu"
    assert torch.allclose(codes, model.encode(x), atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(y_train=torch.zeros(5, dtype=torch.long)), "one label per input"),
    (dict(y_train=torch.zeros(64, dtype=torch.long), x_val=torch.rand(4, 1, 28, 28)), "for neither"),
])
def test_labels_must_match_the_inputs(digits, kwargs, match):
    from aelib.models import Classifier

    with pytest.raises(ValueError, match=match):
        train.fit(Classifier(), digits[0][:64], steps=1, batch_size=8, **kwargs)


class _Interrupt(Exception):
    pass


def _interrupting_augment(stop_at_call: int | None):
    """Random shifts (so the random state matters), raising at the given call to simulate a crash."""
    from aelib import data

    shift, calls = data.augment(max_shift=1), [0]

    def augment(batch):
        calls[0] += 1
        if calls[0] == stop_at_call:
            raise _Interrupt
        return shift(batch)
    return augment


def _vae_run(x, path, stop_at_call=None):
    from aelib.models import VAE

    torch.manual_seed(0)
    model = VAE(latent=4, hidden=(32,))
    history = train.fit(model, x, epochs=4, batch_size=32, lr=3e-3, schedule="onecycle",
                        augment=_interrupting_augment(stop_at_call), checkpoint=path)
    return model, history


def test_interrupted_training_resumes_bitwise_identical(digits, tmp_path):
    x = (digits[0] > 0.5).float()  # 256 binary images: 8 batches per epoch
    reference, reference_history = _vae_run(x, None)
    path = tmp_path / "run.pt"
    with pytest.raises(_Interrupt):
        _vae_run(x, path, stop_at_call=8 * 2 + 3)  # dies in epoch 3, after 2 saved epochs
    saved = torch.load(path, weights_only=True)
    assert saved["epoch"] == 2 and saved["step"] == 16
    torch.manual_seed(123)  # the resumed run must not depend on the state the crash left
    resumed, resumed_history = _vae_run(x, path)
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert resumed_history.train_loss == reference_history.train_loss
    assert resumed_history.step == reference_history.step and resumed_history.lr == reference_history.lr


def test_a_finished_checkpoint_returns_without_training(digits, tmp_path):
    x = (digits[0] > 0.5).float()
    first, _ = _vae_run(x, tmp_path / "run.pt")
    again, history = _vae_run(x, tmp_path / "run.pt", stop_at_call=1)  # would raise if it trained
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), again.state_dict().values()))
    assert history.step[-1] == 32


def test_checkpoints_of_other_runs_and_pickles_are_refused(digits, tmp_path):
    from aelib.checkpoint import CheckpointError

    path = tmp_path / "run.pt"
    train.fit(small_ae(), digits[0], steps=4, batch_size=64, checkpoint=path)
    with pytest.raises(CheckpointError, match="another run"):
        train.fit(small_ae(), digits[0], steps=4, batch_size=64, lr=0.1, checkpoint=path)
    torch.save({"run": object()}, path)  # a pickled object, not weights only
    with pytest.raises(CheckpointError, match="delete it"):
        train.fit(small_ae(), digits[0], steps=4, batch_size=64, checkpoint=path)
