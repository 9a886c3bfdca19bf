"""One training loop for every model in the book.

The whole data set lives on the device as one tensor; each epoch draws a random permutation
and slices it into index batches, so there is no DataLoader and no per-sample Python work.
A model is trained through its ``loss(x)`` (or ``loss(x, y)`` when labels are given, e.g. a
classifier); a model with its own
``train_step(batch, optimizers)`` (e.g. an adversarial autoencoder with two optimizers,
created by its ``configure_optimizers(lr, weight_decay)``) is driven through that instead.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from . import config, validate
from .checkpoint import CheckpointError, atomic_save, fingerprint
from .checkpoint import load as load_checkpoint


@dataclass
class History:
    """What happened during ``fit``: one row per epoch (the last may be partial)."""

    epoch: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)  # optimizer steps done at the end of the epoch
    train_loss: list[float] = field(default_factory=list)  # mean over the epoch's steps
    val_loss: list[float] = field(default_factory=list)  # on x_val, model in eval mode
    seconds: list[float] = field(default_factory=list)  # wall time since the start of fit
    lr: list[float] = field(default_factory=list)  # used by the epoch's last step
    step_loss: list[float] = field(default_factory=list)  # every optimizer step

    @property
    def total_seconds(self) -> float:
        return self.seconds[-1] if self.seconds else 0.0

    def plot(self, ax=None, title: str = "Training history"):
        from .plot import history as plot_history

        return plot_history(self, ax=ax, title=title)

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(empty)"
        val = f", val {self.val_loss[-1]:.4g}" if self.val_loss else ""
        return (f"History({self.step[-1]} steps, {self.epoch[-1]} epochs, {self.total_seconds:.1f} s:"
                f" train {self.train_loss[-1]:.4g}{val})")


OPTIMIZERS = ("adamw", "sgd")


def _check_labels(y: Tensor | None, x: Tensor | None, arg: str) -> None:
    if y is None:
        return
    if x is None:
        raise ValueError(f"{arg} was given without the inputs it labels")
    if not isinstance(y, Tensor) or y.dim() == 0 or len(y) != len(x):
        got = f"shape {tuple(y.shape)}" if isinstance(y, Tensor) else type(y).__name__
        raise ValueError(f"{arg} must be a tensor with one label per input ({len(x)}), got {got}")


def _make_schedule(schedule, optimizer: torch.optim.Optimizer, lr: float, total_steps: int):
    if schedule is None:
        return None
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if callable(schedule):
        return schedule(optimizer, total_steps)
    raise ValueError(f"unknown schedule {schedule!r}; use None, 'onecycle', 'cosine' or a callable"
                     " (optimizer, total_steps) -> scheduler")


def _progress(total: int, desc: str):
    mode = config.progress()
    if mode == "none":
        return None
    if mode == "text":
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, file=sys.stdout, mininterval=5.0, ascii=True)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


def fit(
    model: nn.Module,
    x_train: Tensor,
    y_train: Tensor | None = None,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    x_val: Tensor | None = None,
    y_val: Tensor | None = None,
    weight_decay: float = 0.0,
    schedule: str | Callable | None = None,
    augment: Callable[[Tensor], Tensor] | None = None,
    device: torch.device | str | None = None,
    desc: str | None = None,
    checkpoint: str | Path | None = None,
    optimizer: str = "adamw",
    fused: bool = True,
    callback: Callable[[int], None] | None = None,
) -> History:
    """Train ``model`` on ``x_train`` (N, ...) for ``epochs`` passes or ``steps`` optimizer steps.

    Budgets count optimizer steps (``steps``) or passes (``epochs``), exactly one of them.
    With labels ``y_train`` (N, ...) the loss is ``model.loss(x, y)``, and ``y_val`` labels
    ``x_val``.
    ``augment`` maps a batch to an augmented batch (on the device). ``schedule`` is ``None``,
    ``"onecycle"``, ``"cosine"`` or a callable ``(optimizer, total_steps) -> scheduler``.
    ``optimizer``: ``"adamw"`` (AdamW, the default) or ``"sgd"`` (SGD with Nesterov momentum
    0.9; ``weight_decay`` is then L2 decay). AdamW takes its step with PyTorch's fused kernel on
    CPU and CUDA (one pass over each parameter): about 1.3x the throughput of small models on a
    CPU. ``fused=False`` takes the per-parameter step instead (results equal up to float
    rounding; the fused kernel is not used on other devices). The model is left in eval mode, on ``device``
    (default: the one ``aelib.setup`` chose).

    ``callback``, if given, is called after every optimizer step with the number of steps
    taken so far (to follow a statistic during training); the model is in training mode.

    ``checkpoint`` (a file path): after every epoch, model, optimizer, schedule, history and
    random-number state are saved there atomically; a later call with the same path and the
    same settings resumes from the last saved epoch, and on the CPU ends with exactly the
    weights an uninterrupted run gives. A checkpoint from other settings is refused.
    """
    uses_step = callable(getattr(model, "train_step", None))
    if not uses_step and not callable(getattr(model, "loss", None)):
        raise TypeError(f"{type(model).__name__} has no loss(x) method (nor train_step(batch,"
                        " optimizers)); every aelib model defines loss(x) -> scalar tensor")
    validate.tensor(x_train, "x_train", rank=(2, 3, 4), floating=False)  # a batch: (N, features...)
    if x_val is not None:
        validate.tensor(x_val, "x_val", rank=(2, 3, 4), floating=False)
    _check_labels(y_train, x_train, "y_train")
    _check_labels(y_val, x_val, "y_val")
    if (y_train is None) != (y_val is None) and x_val is not None:
        raise ValueError("give labels for both x_train and x_val, or for neither")
    if uses_step and y_train is not None:
        raise ValueError(f"{type(model).__name__} trains through train_step(batch, optimizers),"
                         " which takes no labels")
    validate.choice(optimizer, "optimizer", OPTIMIZERS)
    validate.number(lr, "lr", positive=True)
    validate.number(weight_decay, "weight_decay", minimum=0)
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one budget: epochs=... or steps=...")
    n = len(x_train)
    batch_size = validate.positive_int(batch_size, "batch_size", upper=n,
                                       upper_name="the number of training examples")
    batches_per_epoch = n // batch_size
    total_steps = (validate.positive_int(steps, "steps") if steps is not None
                   else validate.positive_int(epochs, "epochs") * batches_per_epoch)

    device = torch.device(device) if device is not None else config.DEVICE
    model.to(device)
    x_train = x_train.to(device)
    y_train = y_train.to(device) if y_train is not None else None
    if uses_step and hasattr(model, "configure_optimizers"):
        optimizers: Sequence[torch.optim.Optimizer] = model.configure_optimizers(lr, weight_decay)
    elif optimizer == "sgd":
        optimizers = [torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                                      weight_decay=weight_decay)]
    else:
        fused = fused and device.type in ("cpu", "cuda")
        optimizers = [torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, fused=fused)]
    schedulers = [s for s in (_make_schedule(schedule, o, lr, total_steps) for o in optimizers) if s]

    history, step, epoch = History(), 0, 0
    run = None  # what a checkpoint must match: model, data and settings
    if checkpoint is not None:
        run = _run_signature(model, x_train, y_train, total_steps, batch_size, lr, weight_decay, schedule,
                             optimizer + ("-fused" if fused else ""))
        if Path(checkpoint).exists():
            history, step, epoch = _resume(Path(checkpoint), run, model, optimizers, schedulers, device)
            print(f"{desc or type(model).__name__}: resuming from {checkpoint} at epoch {epoch},"
                  f" step {step} of {total_steps}")
    bar = _progress(total_steps, desc or f"training {type(model).__name__}")
    if bar is not None and step:
        bar.update(step)
    start = time.perf_counter() - history.total_seconds
    while step < total_steps:
        epoch += 1
        model.train()
        order = torch.randperm(n, device=device)
        epoch_losses = []
        for b in range(min(batches_per_epoch, total_steps - step)):
            index = order[b * batch_size:(b + 1) * batch_size]
            batch = x_train[index]
            if augment is not None:
                batch = augment(batch)
            if uses_step:
                loss = model.train_step(batch, optimizers)
            else:
                loss = model.loss(batch) if y_train is None else model.loss(batch, y_train[index])
                for opt in optimizers:
                    opt.zero_grad(set_to_none=True)
                loss.backward()
                for opt in optimizers:
                    opt.step()
            last_lr = optimizers[0].param_groups[0]["lr"]
            for sched in schedulers:
                sched.step()
            step += 1
            if callback is not None:
                callback(step)
            loss_value = float(loss.detach()) if isinstance(loss, Tensor) else float(loss)
            if not math.isfinite(loss_value):
                if bar is not None:
                    bar.close()
                raise FloatingPointError(
                    f"training loss became {loss_value} at epoch {epoch}, step {step}"
                    f" (lr={lr}); lower the learning rate or check the data and the model")
            epoch_losses.append(loss_value)
            if bar is not None:
                bar.update(1)
        history.epoch.append(epoch)
        history.step.append(step)
        history.train_loss.append(sum(epoch_losses) / len(epoch_losses))
        history.step_loss.extend(epoch_losses)
        history.lr.append(last_lr)
        if x_val is not None:
            history.val_loss.append(evaluate(model, x_val, y_val, device=device))
        history.seconds.append(time.perf_counter() - start)
        if checkpoint is not None:
            _save_checkpoint(Path(checkpoint), run, model, optimizers, schedulers, history, step, epoch)
        if bar is not None:
            postfix = {"loss": f"{history.train_loss[-1]:.4g}"}
            if history.val_loss:
                postfix["val"] = f"{history.val_loss[-1]:.4g}"
            bar.set_postfix(postfix)
    if bar is not None:
        bar.close()
    model.eval()
    val = f", val loss {history.val_loss[-1]:.4g}" if history.val_loss else ""
    passes = step / batches_per_epoch  # an epoch may end early when the step budget does
    print(f"{desc or type(model).__name__}: {step} steps ({passes:.3g} passes over {batches_per_epoch}"
          f" batches of {batch_size}) in {history.total_seconds:.1f} s;"
          f" train loss {history.train_loss[-1]:.4g}{val}")
    return history


def fit_greedy(stack: nn.Module, x_train: Tensor, *, steps: int, desc: str = "layer",
               **fit_kwargs) -> list[History]:
    """Greedy layer-wise training (Bengio et al. 2007) of a stack with ``depth``,
    ``layer(i)`` and ``encode(x, depth=i)`` (e.g. ``models.StackedAutoencoder``): layer 0 as a
    shallow autoencoder of the images x_train (N, ...), then layer 1 of layer 0's codes, and
    so on, each for ``steps`` steps and never revisited. ``fit_kwargs`` go to ``fit``. Returns
    one ``History`` per layer.
    """
    histories = []
    for i in range(stack.depth):
        codes = predict(lambda x, i=i: stack.encode(x, i), x_train)  # inputs of layer i, fixed
        histories.append(fit(stack.layer(i), codes, steps=steps, desc=f"{desc} {i + 1}", **fit_kwargs))
    return histories


def _run_signature(model, x_train, y_train, total_steps, batch_size, lr, weight_decay, schedule,
                   optimizer) -> str:
    """What a checkpoint must match to be resumed: the model, the data and the settings."""
    return json.dumps({"model": type(model).__name__, "data": fingerprint(x_train),
                       "labels": fingerprint(y_train) if y_train is not None else None,
                       "total_steps": total_steps, "batch_size": batch_size, "lr": lr,
                       "weight_decay": weight_decay, "schedule": str(schedule), "optimizer": optimizer},
                      sort_keys=True)


def _save_checkpoint(path: Path, run: str, model, optimizers, schedulers, history: History,
                     step: int, epoch: int) -> None:
    atomic_save({
        "run": run, "step": step, "epoch": epoch, "history": dataclasses.asdict(history),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizers": [o.state_dict() for o in optimizers],
        "schedulers": [s.state_dict() for s in schedulers],
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }, path)


def _resume(path: Path, run: str, model, optimizers, schedulers, device) -> tuple[History, int, int]:
    state = load_checkpoint(path)
    if not isinstance(state, dict) or state.get("run") != run:
        raise CheckpointError(
            f"{path} is a checkpoint of another run (model, data or settings differ); delete it"
            " to train from the start, or pass another checkpoint path")
    model.load_state_dict(state["model"])
    model.to(device)
    for optimizer, saved in zip(optimizers, state["optimizers"]):
        optimizer.load_state_dict(saved)
    for scheduler, saved in zip(schedulers, state["schedulers"]):
        scheduler.load_state_dict(saved)
    torch.set_rng_state(state["rng"])
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    return History(**state["history"]), state["step"], state["epoch"]


@torch.no_grad()
def evaluate(model: nn.Module, x: Tensor, y: Tensor | None = None, *, batch_size: int = 1000,
             device: torch.device | str | None = None) -> float:
    """Mean of ``model.loss`` over ``x`` (and labels ``y``, if given) in eval mode, batches
    weighted by their size."""
    validate.tensor(x, "x", floating=False)
    _check_labels(y, x, "y")
    was_training = model.training
    model.eval()
    device = torch.device(device) if device is not None else next(model.parameters()).device
    total = 0.0
    for i in range(0, len(x), batch_size):
        batch = x[i:i + batch_size].to(device)
        loss = model.loss(batch) if y is None else model.loss(batch, y[i:i + batch_size].to(device))
        total += float(loss) * len(batch)
    model.train(was_training)
    return total / len(x)


@torch.no_grad()
def predict(fn: Callable[[Tensor], Tensor], x: Tensor, *, batch_size: int = 1000,
            device: torch.device | str | None = None) -> Tensor:
    """Apply ``fn`` (e.g. ``model.encode``) to ``x`` in batches; results concatenated on the CPU."""
    validate.tensor(x, "x", floating=False)
    owner = getattr(fn, "__self__", None)
    if device is None:
        params = list(owner.parameters()) if isinstance(owner, nn.Module) else []
        device = params[0].device if params else config.DEVICE
    if isinstance(owner, nn.Module):
        owner.eval()
    return torch.cat([fn(x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])
