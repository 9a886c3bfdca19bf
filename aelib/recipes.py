"""Models that several chapters use, each trained one way and shared through the model cache.

Chapter 2 trains them (``retrain=True``) and later chapters load them; on a cache miss a later
chapter trains them itself with the same recipe, so every chapter also runs on its own.
"""

from __future__ import annotations

from torch import Tensor

from . import cache, config, data
from .models import Autoencoder, RowLSTM
from .train import History, fit

DEEP_AE_DIMS = (784, 1000, 500, 250, 30)


def deep_autoencoder_budget() -> tuple[int, int]:
    """(steps, batch size) of chapter 2's deep autoencoder in the current mode."""
    return config.budget(full=2200, quick=800), config.budget(full=256, quick=64)


def deep_autoencoder(x: Tensor, x_val: Tensor | None = None, *,
                     retrain: bool = False) -> tuple[Autoencoder, History | None]:
    """Chapter 2's deep autoencoder 784-1000-500-250-30 (Hinton & Salakhutdinov 2006), trained
    on images ``x`` (N, 1, 28, 28) from random initialisation: AdamW, one-cycle schedule,
    weight decay 1e-4 and random shifts of up to 2 pixels; 2,200 steps of 256 (quick: 800 of 64)."""
    steps, batch_size = deep_autoencoder_budget()
    recipe = {"dims": DEEP_AE_DIMS, "steps": steps, "batch_size": batch_size, "lr": 3e-3,
              "weight_decay": 1e-4, "schedule": "onecycle", "max_shift": 2,
              "data": cache.fingerprint(x)}

    def train(model: Autoencoder) -> History:
        return fit(model, x, steps=steps, batch_size=batch_size, lr=3e-3, weight_decay=1e-4,
                   schedule="onecycle", augment=data.augment(max_shift=2), x_val=x_val,
                   desc="deep AE 784-1000-500-250-30")

    def build() -> Autoencoder:
        config.manual_seed(0)  # the same start (and batches) whichever cells ran before
        return Autoencoder(DEEP_AE_DIMS)

    return cache.load_or_train("deep-ae", build, train, recipe, retrain=retrain)


def pixel_rnn_budget() -> tuple[int, int]:
    """(steps, batch size) of chapter 4's PixelRNN in the current mode."""
    return config.budget(full=250, quick=100), config.budget(full=64, quick=32)


def pixel_rnn(x: Tensor, *, retrain: bool = False) -> tuple[RowLSTM, History | None]:
    """Chapter 4's PixelRNN: a Row LSTM (hidden 32, input features 32) on binary images ``x``
    (N, 1, 28, 28), its per-pixel output bias started at the independent-pixel solution;
    250 steps of 64 (quick: 100 of 32), Adam at a one-cycle learning rate up to 3e-3."""
    steps, batch_size = pixel_rnn_budget()
    recipe = {"hidden": 32, "channels": 32, "steps": steps, "batch_size": batch_size, "lr": 3e-3,
              "schedule": "onecycle", "start": "independent", "data": cache.fingerprint(x)}

    def build() -> RowLSTM:
        config.manual_seed(0)
        model = RowLSTM(hidden=32, channels=32)
        model.start_at_independent(x)
        return model

    def train(model: RowLSTM) -> History:
        return fit(model, x, steps=steps, batch_size=batch_size, lr=3e-3, schedule="onecycle",
                   desc="PixelRNN (Row LSTM)")

    return cache.load_or_train("pixel-rnn", build, train, recipe, retrain=retrain)
