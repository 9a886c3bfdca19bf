"""Autoregressive models of binary 28x28 images: p(x) = prod_i p(x_i | x_<i) in raster order.

Every model maps binary images x (N, 1, 28, 28) to logits (N, 1, 28, 28) where the logit of
pixel i depends only on the pixels before i (the rows above, and the same row to the left);
the unit tests check this with exact gradients. ``nll(x)`` is the exact negative
log-likelihood in nats per image, ``sample(n)`` draws images pixel by pixel, batched.

- ``IndependentPixels``: one Bernoulli per pixel, no dependence at all: the floor to beat.
- ``PixelCNN``: masked convolutions (mask A in the first layer, B after); all conditionals in
  one parallel pass (van den Oord et al. 2016).
- ``RowLSTM``: a PixelRNN: a masked input-to-state convolution along each row and a recurrent
  state-to-state convolution from the row above, one row at a time (van den Oord et al. 2016).

Explained in chapter 4, `chapters/04_pixelrnn.ipynb`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import validate
from .base import IMAGE_SHAPE, check_binary

H, W = IMAGE_SHAPE[1:]


class MaskedConv2d(nn.Conv2d):
    """A convolution that sees only the pixels before the centre in raster order.

    Mask ``"A"`` (first layer) also hides the centre pixel itself; mask ``"B"`` (later layers,
    whose centre feature already depends only on earlier pixels) lets it through.
    """

    _parameter_constraints = {"mask": validate.Options(("A", "B"),
                                                       what="A hides the centre pixel, B lets it in")}

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 mask: str = "B"):
        validate.parameters(self, locals())
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        super().__init__(in_channels, out_channels, (kh, kw), padding=(kh // 2, kw // 2))
        allowed = torch.ones(kh, kw)
        allowed[kh // 2, kw // 2 + (mask == "B"):] = 0  # the centre row: right of (or from) the centre
        allowed[kh // 2 + 1:] = 0  # rows below the centre
        self.register_buffer("mask", allowed[None, None])

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class _Autoregressive(nn.Module):
    """nll, loss and batched pixel-by-pixel sampling for a model with ``logits(x)``."""

    def logits(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _conditional(self, x: Tensor, r: int, c: int) -> Tensor:
        """Logit (N,) of pixel (r, c) given the pixels before it in ``x``; subclasses make it cheap."""
        return self.logits(x)[:, 0, r, c]

    def _begin_sampling(self) -> None:
        """Forget any state cached by an earlier call of ``sample``."""

    @torch.no_grad()
    def start_at_independent(self, x: Tensor) -> None:
        """Start from the independent-pixel solution: set the per-pixel output bias to
        logit(fraction of images in ``x`` (N, 1, 28, 28) with that pixel on), smoothed by one on
        and one off image, and zero the last layer, so that the model *is* that baseline.
        Training then starts at the baseline's likelihood, not at p = 1/2, and every step goes
        into the dependencies between pixels."""
        check_binary(x, self)
        self.pixel_bias.copy_(independent_logits(x))
        self.output_layer.weight.zero_()
        self.output_layer.bias.zero_()

    def nll(self, x: Tensor) -> Tensor:
        """Negative log-likelihood of each binary image in nats, (N,)."""
        check_binary(x, self)
        return F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").flatten(1).sum(1)

    def loss(self, x: Tensor) -> Tensor:
        """Mean negative log-likelihood (nats per image)."""
        return self.nll(x).mean()

    @torch.no_grad()
    def sample(self, n: int = 16, *, given: Tensor | None = None, start_row: int = 0,
               generator: torch.Generator | None = None, snapshots: list | None = None) -> Tensor:
        """Draw ``n`` binary images (N, 1, 28, 28), pixel by pixel, all ``n`` at once.

        With ``given`` (n binary images) rows ``< start_row`` are copied from it and the rest
        is sampled: completions. If ``snapshots`` is a list, a CPU copy of the batch is appended
        after every sampled row (for animations).
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if not 0 <= start_row <= H:
            raise ValueError(f"start_row must be in 0..{H}, got {start_row}")
        device = next(self.parameters()).device
        x = torch.zeros(n, *IMAGE_SHAPE, device=device)
        if given is not None:
            check_binary(given, arg="given")
            if len(given) != n:
                raise ValueError(f"given holds {len(given)} images but n is {n}")
            x[:, :, :start_row] = given[:, :, :start_row].to(device)
        was_training = self.training
        self.eval()
        self._begin_sampling()
        for r in range(start_row, H):
            for c in range(W):
                p = torch.sigmoid(self._conditional(x, r, c))
                u = torch.rand(n, generator=generator).to(device)
                x[:, 0, r, c] = (u < p).float()
            if snapshots is not None:
                snapshots.append(x.cpu().clone())
        self.train(was_training)
        return x


def independent_logits(x: Tensor) -> Tensor:
    """(1, 1, 28, 28) logits of the independent-pixel maximum-likelihood fit to binary images x
    (N, 1, 28, 28): each pixel's frequency, smoothed by one on and one off image."""
    return torch.logit((x.float().sum(0, keepdim=True) + 1) / (len(x) + 2))


class IndependentPixels(_Autoregressive):
    """p(x) = prod_i Bernoulli(x_i; sigmoid(theta_i)): every pixel on its own."""

    def __init__(self):
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(1, *IMAGE_SHAPE))

    @classmethod
    def fitted(cls, x: Tensor) -> IndependentPixels:
        """The maximum-likelihood model of binary images x (N, 1, 28, 28), with no training loop:
        theta = ``independent_logits(x)``, on x's device."""
        model, x = cls(), x.cpu()
        check_binary(x, model)
        with torch.no_grad():
            model.theta.copy_(independent_logits(x))
        return model

    def logits(self, x: Tensor) -> Tensor:
        return self.theta.expand(len(x), -1, -1, -1)

    def _conditional(self, x: Tensor, r: int, c: int) -> Tensor:
        return self.theta[0, 0, r, c].expand(len(x))


class PixelCNN(_Autoregressive):
    """A 7x7 mask-A convolution, ``layers - 1`` 3x3 mask-B convolutions (ReLU between), then
    two 1x1 convolutions to one logit per pixel, plus a learned per-pixel offset
    (``pixel_bias``; see ``start_at_independent``). Each logit sees a region of the rows above
    (``rows_needed`` of them) with a blind spot to the upper right."""

    _parameter_constraints = {"channels": validate.Interval(1, integer=True),
                              "layers": validate.Interval(1, integer=True)}

    def __init__(self, channels: int = 64, layers: int = 7):
        validate.parameters(self, locals())
        super().__init__()
        stack: list[nn.Module] = [MaskedConv2d(1, channels, 7, "A")]
        for _ in range(layers - 1):
            stack += [nn.ReLU(), MaskedConv2d(channels, channels, 3, "B")]
        stack += [nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1)]
        self.net = nn.Sequential(*stack)
        self.pixel_bias = nn.Parameter(torch.zeros(1, *IMAGE_SHAPE))  # one learned offset per pixel
        self.rows_needed = 3 + (layers - 1)  # receptive field above the current row

    @property
    def output_layer(self) -> nn.Conv2d:
        return self.net[-1]

    def logits(self, x: Tensor) -> Tensor:
        return self.net(x) + self.pixel_bias


    def _conditional(self, x: Tensor, r: int, c: int) -> Tensor:
        # Only rows r - R .. r and columns c - R .. c + R reach pixel (r, c) (R = rows_needed):
        # run the network on that crop. Zero padding at the crop's edges touches nothing that
        # reaches (r, c), so the result is exact.
        reach = self.rows_needed
        top, left = max(0, r - reach), max(0, c - reach)
        crop = x[:, :, top:r + 1, left:c + reach + 1]
        return self.net(crop)[:, 0, -1, c - left] + self.pixel_bias[0, 0, r, c]


class RowLSTM(_Autoregressive):
    """PixelRNN with Row LSTM layers.

    A 7x7 mask-A convolution turns the image into features. Each Row LSTM layer computes its
    gates as (input-to-state) a 1x3 mask-B convolution of the features along the row, for all
    rows at once, plus (state-to-state) a width-3 convolution of the hidden state of the row
    above, one row after the other. Two 1x1 convolutions map the last hidden states to logits,
    plus a learned per-pixel offset (``pixel_bias``; see ``start_at_independent``).
    """

    _parameter_constraints = {"hidden": validate.Interval(1, integer=True),
                              "layers": validate.Interval(1, integer=True),
                              "channels": validate.Interval(1, integer=True)}

    def __init__(self, hidden: int = 32, layers: int = 1, channels: int = 32):
        validate.parameters(self, locals())
        super().__init__()
        self.hidden = hidden
        self.inp = MaskedConv2d(1, channels, 7, "A")
        self.input_to_state = nn.ModuleList(
            MaskedConv2d(channels if i == 0 else hidden, 4 * hidden, (1, 3), "B") for i in range(layers))
        self.state_to_state = nn.ModuleList(
            nn.Conv1d(hidden, 4 * hidden, 3, padding=1) for _ in range(layers))
        self.out = nn.Sequential(nn.ReLU(), nn.Conv2d(hidden, channels, 1), nn.ReLU(),
                                 nn.Conv2d(channels, 1, 1))
        self.pixel_bias = nn.Parameter(torch.zeros(1, *IMAGE_SHAPE))  # one learned offset per pixel
        self._cache: dict | None = None

    @property
    def output_layer(self) -> nn.Conv2d:
        return self.out[-1]

    @staticmethod
    def _step(gates: Tensor, cell: Tensor) -> tuple[Tensor, Tensor]:
        i, f, o, g = gates.chunk(4, dim=1)
        cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(cell), cell

    def _layer(self, k: int, features: Tensor) -> Tensor:
        """Row LSTM layer k over features (N, C, H, W) -> hidden states (N, hidden, H, W)."""
        n, _, h, w = features.shape
        x_gates = self.input_to_state[k](features)  # (N, 4h, H, W), all rows in parallel
        state = features.new_zeros(n, self.hidden, w)
        cell = features.new_zeros(n, self.hidden, w)
        rows = []
        for r in range(h):  # the recurrence: row r sees the state of row r - 1
            state, cell = self._step(x_gates[:, :, r] + self.state_to_state[k](state), cell)
            rows.append(state)
        return torch.stack(rows, dim=2)

    def logits(self, x: Tensor) -> Tensor:
        h = self.inp(x)
        for k in range(len(self.input_to_state)):
            h = self._layer(k, h)
        return self.out(h) + self.pixel_bias

    def _begin_sampling(self) -> None:
        self._cache = None

    def _row(self, x: Tensor, r: int, states: list) -> tuple[Tensor, list]:
        """Every layer on image row r, given each layer's (state, cell) after row r - 1.

        Returns the last layer's hidden states for row r (N, hidden, 1, W) and the new states.
        """
        h = self.inp(x[:, :, max(0, r - 3):r + 1])[:, :, -1:]  # the 7x7 mask-A conv sees 3 rows up
        new_states = []
        for k, (state, cell) in enumerate(states):
            gates = self.input_to_state[k](h)[:, :, 0] + self.state_to_state[k](state)
            state, cell = self._step(gates, cell)
            new_states.append((state, cell))
            h = state.unsqueeze(2)
        return h, new_states

    def _conditional(self, x: Tensor, r: int, c: int) -> Tensor:
        # The states after row r - 1 are cached (rows before r are final while sampling row r);
        # for each pixel only row r is recomputed.
        if self._cache is None or self._cache["row"] != r - 1:
            self._bring_cache_to(x, r - 1)
        h, _ = self._row(x, r, self._cache["states"])
        return self.out(h)[:, 0, 0, c] + self.pixel_bias[0, 0, r, c]

    def _bring_cache_to(self, x: Tensor, row: int) -> None:
        """Make the cache hold every layer's (state, cell) after ``row`` (row -1: zeros)."""
        if self._cache is None or self._cache["row"] > row:
            zeros = x.new_zeros(len(x), self.hidden, W)
            self._cache = {"row": -1, "states": [(zeros, zeros)] * len(self.input_to_state)}
        while self._cache["row"] < row:
            next_row = self._cache["row"] + 1
            self._cache = {"row": next_row, "states": self._row(x, next_row, self._cache["states"])[1]}


# ----------------------------------------------------------------------------- receptive fields
ARCHITECTURES = ("pixelcnn", "row-lstm", "diagonal-bilstm")


def _mask_a_window(r: int, c: int, k: int = 7) -> list[tuple[int, int]]:
    """The pixels a k x k mask-A convolution reads for position (r, c): the rows above within
    the window, and the same row strictly to the left."""
    half = k // 2
    above = [(r + dr, c + dc) for dr in range(-half, 0) for dc in range(-half, half + 1)]
    return above + [(r, c + dc) for dc in range(-half, 0)]


def receptive_field(architecture: str, target: tuple[int, int], *, layers: int = 7) -> Tensor:
    """The pixels (28, 28) bool that can influence the conditional of pixel ``target`` = (row,
    column) in an architecture, read off its connections (not from weights):

    - ``"pixelcnn"``: a 7x7 mask-A convolution, then ``layers - 1`` 3x3 mask-B convolutions
      (each position reads the row above, columns -1..+1, and itself and its left neighbour);
    - ``"row-lstm"``: the 7x7 mask-A features; one Row LSTM layer whose state at (r, c) reads the
      features at (r, c - 1) and (r, c) (the 1x3 mask-B input-to-state convolution) and the
      states of the row above at columns c - 1..c + 1 (the width-3 state-to-state convolution);
    - ``"diagonal-bilstm"``: the 7x7 mask-A features; one Diagonal BiLSTM layer (van den Oord et
      al. 2016): the left-to-right diagonal state at (r, c) reads (r, c - 1), (r - 1, c) and the
      features at (r, c); the right-to-left one reads (r, c + 1), (r - 1, c) and the features; the
      output at (r, c) adds the left-to-right state at (r, c) to the right-to-left state of the
      row above, (r - 1, c), shifted down so that it never sees the current row's right side.

    Every architecture's field lies before ``target`` in raster order; only the Diagonal BiLSTM's
    is all of it. The unit tests check the PixelCNN's and the Row LSTM's against the gradients
    of ``PixelCNN`` and ``RowLSTM``.
    """
    validate.choice(architecture, "architecture", ARCHITECTURES)
    validate.positive_int(layers, "layers")
    r0, c0 = target
    if not (0 <= r0 < H and 0 <= c0 < W):
        raise ValueError(f"target must be a pixel (row, column) of the {H}x{W} image, got {target}")
    field = torch.zeros(H, W, dtype=torch.bool)
    inside = lambda r, c: 0 <= r < H and 0 <= c < W  # noqa: E731 - zero padding reads nothing

    def reads(node):  # what a node (kind, ...) reads directly
        kind, *rest = node
        if kind == "features":  # the first, mask-A layer: pixels
            return [("pixel", r, c) for r, c in _mask_a_window(*rest) if inside(r, c)]
        if kind == "cnn":  # mask-B layer l >= 1 of the PixelCNN (layer 0: the mask-A features)
            layer, r, c = rest
            below = ("features",) if layer == 1 else ("cnn", layer - 1)
            taps = [(r - 1, c - 1), (r - 1, c), (r - 1, c + 1), (r, c - 1), (r, c)]
            return [(*below, rr, cc) for rr, cc in taps if inside(rr, cc)]
        r, c = rest
        if kind == "row":  # Row LSTM state (hidden and cell) at (r, c)
            return ([("features", r, cc) for cc in (c - 1, c) if inside(r, cc)]
                    + [("row", r - 1, cc) for cc in (c - 1, c, c + 1) if inside(r - 1, cc)])
        step = -1 if kind == "l2r" else 1  # the diagonal states: along the row, and from the row above
        return ([(kind, rr, cc) for rr, cc in ((r, c + step), (r - 1, c)) if inside(rr, cc)]
                + [("features", r, c)])

    if architecture == "pixelcnn":
        start = [("cnn", layers - 1, r0, c0)] if layers > 1 else [("features", r0, c0)]
    elif architecture == "row-lstm":
        start = [("row", r0, c0)]
    else:
        start = [("l2r", r0, c0)] + ([("r2l", r0 - 1, c0)] if r0 > 0 else [])
    seen, todo = set(start), list(start)
    while todo:
        for node in reads(todo.pop()):
            if node[0] == "pixel":
                field[node[1], node[2]] = True
            elif node not in seen:
                seen.add(node)
                todo.append(node)
    return field
