"""Checks on the arguments of aelib's public functions.

Bad input fails early, with a ``TypeError`` (wrong kind of object or dtype) or a ``ValueError``
(wrong shape, empty, NaN/inf, values outside the allowed range, an unknown name, a budget that
is not a positive integer) whose message names the argument, says what it got and what is
allowed. Never a PyTorch traceback from deep inside a model, a hang, or a silent NaN.

This module depends on torch only, so that every other module, the models included, can use it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import Tensor, nn


def _shape(x: Tensor) -> str:
    return str(tuple(x.shape))


def _traced(x: Tensor) -> bool:
    """Whether ``x`` is inside a ``torch.func`` transform (vmap, jacrev), where reading values is
    impossible; the check ran on the real tensor before the transform."""
    wrapped = getattr(torch._C._functorch, "is_functorch_wrapped_tensor", None)
    return bool(wrapped and wrapped(x))


def _values(x: Tensor, arg: str, *, finite: bool, unit: bool, binary: bool, why: str) -> None:
    """The value checks, from one pass over ``x`` where possible (``aminmax`` carries NaN and inf)."""
    if not (finite or unit or binary) or x.numel() == 0 or _traced(x):
        return
    values = x.detach() if x.is_floating_point() else x.detach().float()
    low, high = (float(v) for v in torch.aminmax(values))
    if not (math.isfinite(low) and math.isfinite(high)):
        bad = int((~torch.isfinite(values)).sum())
        raise ValueError(f"{arg} contains {bad} NaN or infinite value{'s' * (bad != 1)} (of {x.numel()});"
                         " clean the data first")
    if binary and (((x != 0) & (x != 1)).any()):
        raise ValueError(f"{arg} must be binary (0/1){why}, got values in [{low:.3g}, {high:.3g}];"
                         " use aelib.data.binarize(x)")
    if unit and (low < 0 or high > 1):
        raise ValueError(f"{arg} must lie in [0, 1]{why}, got values in [{low:.3g}, {high:.3g}];"
                         " rescale it (e.g. x / 255) or clamp it")


def tensor(x, arg: str = "x", *, rank: int | Sequence[int] | None = None, floating: bool = True,
           finite: bool = True, unit: bool = False, binary: bool = False, nonempty: bool = True,
           why: str = "") -> Tensor:
    """``x`` itself, after checking that it is a tensor of an allowed ``rank`` (a number or a
    sequence of them), floating point (if ``floating``), non-empty, free of NaN/inf (if
    ``finite``), within [0, 1] (if ``unit``) or binary (if ``binary``). ``why`` ends the
    message about values, e.g. ``" for a Bernoulli likelihood"``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{arg} must be a torch.Tensor, got {type(x).__name__}")
    if rank is not None:
        ranks = (rank,) if isinstance(rank, int) else tuple(rank)
        if x.dim() not in ranks:
            allowed = ", ".join(str(r) for r in ranks[:-1]) + " or " if len(ranks) > 1 else ""
            allowed += str(ranks[-1])
            raise ValueError(f"{arg} must have {allowed} dimensions, got shape {_shape(x)}")
    if floating and not x.is_floating_point():
        raise TypeError(f"{arg} must be a floating-point tensor, got {x.dtype};"
                        " convert it with x.float() (and x / 255 for 8-bit images)")
    if nonempty and (x.dim() == 0 or x.numel() == 0):
        raise ValueError(f"{arg} is empty (shape {_shape(x)}); pass at least one example")
    _values(x, arg, finite=finite, unit=unit, binary=binary, why=why)
    return x


def batch(x, arg: str, shape: Sequence[int], *, flat_ok: bool = True, like: nn.Module | None = None,
          unit: bool = False, binary: bool = False, why: str = "") -> Tensor:
    """``x`` itself, after checking that it is a non-empty batch of examples of ``shape``:
    (N, *shape), or (N, prod(shape)) when ``flat_ok``, and everything ``tensor`` checks.
    With ``like`` (a model) its dtype and device must be the model's."""
    shape = tuple(shape)
    tensor(x, arg, floating=True, finite=False)
    size = math.prod(shape)
    fits = tuple(x.shape[1:]) == shape or (flat_ok and x.dim() == 2 and x.shape[1] == size)
    if x.dim() < 2 or not fits:
        allowed = f"(N, {', '.join(map(str, shape))})"
        if flat_ok and len(shape) > 1:
            allowed += f" or (N, {size})"
        raise ValueError(f"{arg} must be a batch of shape {allowed}, got {_shape(x)}")
    if like is not None:
        same_as(x, arg, like)
    _values(x, arg, finite=True, unit=unit, binary=binary, why=why)
    return x


def same_as(x: Tensor, arg: str, model: nn.Module) -> None:
    """``x`` must have the dtype and device of ``model``'s parameters (if it has any)."""
    parameter = next(model.parameters(), None)
    if parameter is None:
        return
    name = type(model).__name__
    if x.dtype != parameter.dtype:
        raise TypeError(f"{arg} is {x.dtype} but {name}'s weights are {parameter.dtype};"
                        f" convert it with x.to({parameter.dtype})")
    if x.device != parameter.device:
        raise ValueError(f"{arg} is on {x.device} but {name} is on {parameter.device};"
                         f" move it with x.to({str(parameter.device)!r})")


def labels(y, arg: str, n: int | None = None, classes: int | None = None) -> Tensor:
    """``y`` itself, after checking that it holds integer class labels (n,) (any n if None), in
    0..``classes`` - 1 if ``classes`` is given, else >= 0."""
    if not isinstance(y, Tensor):
        raise TypeError(f"{arg} must be a torch.Tensor of class labels, got {type(y).__name__}")
    if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
        raise TypeError(f"{arg} must hold integer class labels, got {y.dtype}; convert it with y.long()")
    if y.dim() != 1 or (n is not None and len(y) != n):
        raise ValueError(f"{arg} must have shape ({'N' if n is None else n},), one label per example,"
                         f" got {_shape(y)}")
    if len(y) and (int(y.min()) < 0 or (classes is not None and int(y.max()) >= classes)):
        allowed = f"0..{classes - 1}" if classes is not None else ">= 0"
        raise ValueError(f"{arg} must hold labels {allowed}, got values in {int(y.min())}..{int(y.max())}")
    return y


def positive_int(value, arg: str, *, minimum: int = 1, upper: int | None = None, upper_name: str = "") -> int:
    """``value`` as an int, after checking that it is an integer (NumPy's too) in
    ``minimum``..``upper`` (``minimum=0`` admits zero)."""
    integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integer or value < minimum or (upper is not None and value > upper):
        allowed = (f">= {minimum}" if upper is None
                   else f"in {minimum}..{upper}" + (f" ({upper_name})" if upper_name else ""))
        raise ValueError(f"{arg} must be an integer {allowed}, got {value!r}")
    return int(value)


def number(value, arg: str, *, minimum: float = -math.inf, positive: bool = False) -> float:
    """``value`` as a float, after checking that it is a finite real number >= ``minimum``
    (> 0 if ``positive``)."""
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not real or not math.isfinite(value) or value < minimum or (positive and value <= 0):
        allowed = "> 0" if positive else f">= {minimum:g}" if minimum > -math.inf else ""
        raise ValueError(f"{arg} must be a finite number {allowed}, got {value!r}".replace("  ", " "))
    return float(value)


def choice(value, arg: str, allowed: Sequence[str]) -> str:
    """``value`` itself, after checking that it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{arg} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


# ----------------------------------------------------------------------------- declared constraints
# A model declares what each constructor argument may be, in the style of scikit-learn's
# ``_parameter_constraints``, and checks them all with one call, ``parameters(self, locals())``,
# before it builds anything:
#
#     _parameter_constraints = {"hidden": Interval(1, integer=True),
#                               "rho": Interval(0, 1, closed="neither", what="the target activation"),
#                               "penalty": Options(("kl", "l1", "none"))}


class Interval:
    """A number from ``low`` to ``high`` (None: unbounded), ends included as ``closed`` says
    (``"both"``, ``"left"``, ``"right"`` or ``"neither"``); ``integer`` for whole numbers.
    ``what`` says in words what the argument is, for the message."""

    def __init__(self, low: float | None = None, high: float | None = None, *, closed: str = "both",
                 integer: bool = False, what: str = ""):
        self.low, self.high, self.closed, self.integer, self.what = low, high, closed, integer, what

    def allowed(self) -> str:
        kind = "an integer " if self.integer else ""
        if self.high is None:
            return f"{kind}{'>=' if self.closed in ('both', 'left') else '>'} {self.low:g}"
        if self.low is None:
            return f"{kind}{'<=' if self.closed in ('both', 'right') else '<'} {self.high:g}"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"{kind}in {left}{self.low:g}, {self.high:g}{right}"

    def holds(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        if self.integer and not isinstance(value, numbers.Integral):
            return False
        closed_low, closed_high = self.closed in ("both", "left"), self.closed in ("both", "right")
        low_ok = self.low is None or (value >= self.low if closed_low else value > self.low)
        high_ok = self.high is None or (value <= self.high if closed_high else value < self.high)
        return low_ok and high_ok


class Options:
    """One of ``values``."""

    def __init__(self, values: Sequence, *, what: str = ""):
        self.values, self.what = tuple(values), what

    def allowed(self) -> str:
        return f"one of {', '.join(map(repr, self.values))}"

    def holds(self, value) -> bool:
        return value in self.values


def parameters(owner, values: dict) -> None:
    """Check the arguments ``values`` (a constructor's ``locals()``) against the constraints
    ``type(owner)._parameter_constraints`` declares; a ValueError names the first that fails,
    what it got and what is allowed. A subclass declares its parent's constraints too; each
    constructor checks those among its own arguments."""
    for arg, constraint in type(owner)._parameter_constraints.items():
        if arg not in values:
            continue
        value = values[arg]
        if not constraint.holds(value):
            what = f" ({constraint.what})" if constraint.what else ""
            raise ValueError(f"{type(owner).__name__}: {arg}{what} must be {constraint.allowed()},"
                             f" got {value!r}")
