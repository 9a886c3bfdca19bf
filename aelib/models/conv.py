"""Convolutional autoencoders, and the two upsampling operations their decoders mirror:
unpooling (with or without the pooling switches) and deconvolution (transposed convolution).

The functions spell out what ``F.max_unpool2d`` and ``F.conv_transpose2d`` compute, so that a
chapter (and a unit test) can check the library against the definition.

Explained in chapter 3, `chapters/03_conv_autoencoders.ipynb`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import validate
from ..metrics import squared_error
from .base import IMAGE_SHAPE

UPSAMPLING = ("switches", "nearest", "transposed")


def _check_maps(x: Tensor, name: str = "x") -> None:
    if not isinstance(x, Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{name} must be feature maps (N, C, H, W), got {shape}")


def max_unpool(x: Tensor, switches: Tensor | None, size: int = 2) -> Tensor:
    """Unpooling with switches: each value goes back to where its block's maximum came from.

    ``x`` (N, C, H, W) pooled maps, ``switches`` (N, C, H, W) the flat indices that
    ``F.max_pool2d(..., return_indices=True)`` returned. Output (N, C, size*H, size*W), zero
    everywhere except at the switch positions.
    """
    _check_maps(x)
    if switches is None:
        raise ValueError("max-unpooling needs the switches (the argmax positions) of the pooling"
                         " it undoes: keep the indices from F.max_pool2d(..., return_indices=True)")
    if switches.shape != x.shape:
        raise ValueError(f"switches must have the shape of x, {tuple(x.shape)}; got {tuple(switches.shape)}")
    return F.max_unpool2d(x, switches, size)


def nearest_unpool(x: Tensor, size: int = 2) -> Tensor:
    """Unpooling by copying: each value fills its whole size x size block. (N,C,H,W) -> (N,C,sH,sW)."""
    _check_maps(x)
    return F.interpolate(x, scale_factor=size, mode="nearest")  # = repeat_interleave on H and W


def _check_deconv(x: Tensor, weight: Tensor, stride: int, padding: int, output_padding: int) -> None:
    _check_maps(x)
    if weight.dim() != 4 or weight.shape[0] != x.shape[1]:
        raise ValueError(f"weight must be (C_in={x.shape[1]}, C_out, k, k) like ConvTranspose2d's,"
                         f" got {tuple(weight.shape)}")
    if stride < 1 or padding < 0 or not 0 <= output_padding < stride:
        raise ValueError(f"need stride >= 1, padding >= 0 and 0 <= output_padding < stride; got"
                         f" stride={stride}, padding={padding}, output_padding={output_padding}")


def transposed_conv_by_scatter(x: Tensor, weight: Tensor, stride: int = 1, padding: int = 0,
                               output_padding: int = 0) -> Tensor:
    """Transposed convolution as its definition: every input value, times the kernel, added into
    the output at stride-spaced positions; overlaps add up. Then ``padding`` is cropped.

    ``x`` (N, C_in, H, W), ``weight`` (C_in, C_out, k, k) as ``nn.ConvTranspose2d`` stores it.
    Output (N, C_out, (H-1)*stride - 2*padding + k + output_padding, same for W).
    """
    _check_deconv(x, weight, stride, padding, output_padding)
    n, _, h, w = x.shape
    k = weight.shape[-1]
    # contributions[n, (o, a, b), (i, j)] = sum_c x[n, c, i, j] * weight[c, o, a, b]
    contributions = torch.einsum("ncij,coab->noabij", x, weight).reshape(n, -1, h * w)
    full = ((h - 1) * stride + k + output_padding, (w - 1) * stride + k + output_padding)
    out = F.fold(contributions, full, kernel_size=k, stride=stride)  # the scatter-add
    return out[..., padding:full[0] - padding, padding:full[1] - padding]


def transposed_conv_as_conv(x: Tensor, weight: Tensor, stride: int = 1, padding: int = 0,
                            output_padding: int = 0) -> Tensor:
    """Transposed convolution as an ordinary convolution: insert stride - 1 zeros between the
    input values, pad by k - 1 - padding (plus ``output_padding`` at the bottom and right), and
    convolve with the kernel flipped in space and its in/out channels swapped."""
    _check_deconv(x, weight, stride, padding, output_padding)
    n, c, h, w = x.shape
    k = weight.shape[-1]
    if padding > k - 1:
        raise ValueError(f"this construction needs padding <= k - 1 = {k - 1}, got {padding}")
    dilated = x.new_zeros(n, c, (h - 1) * stride + 1, (w - 1) * stride + 1)
    dilated[..., ::stride, ::stride] = x
    p = k - 1 - padding
    dilated = F.pad(dilated, (p, p + output_padding, p, p + output_padding))
    return F.conv2d(dilated, weight.flip(2, 3).transpose(0, 1))


class ConvAutoencoder(nn.Module):
    """x (N,1,28,28) -> two conv + 2x2 max-pool stages -> linear code (N, code_size) -> mirror.

    Encoder: conv 3x3 (1 -> c1), ReLU, max-pool 2 (28 -> 14); conv 3x3 (c1 -> c2), ReLU,
    max-pool 2 (14 -> 7); linear to the code. The decoder mirrors it; each pooling is undone by
    ``upsampling``:

    - ``"switches"``: max-unpooling at the encoder's argmax positions, then a 3x3 conv
      (the decoder needs the switches of the image being decoded);
    - ``"nearest"``: copy each value into its 2x2 block, then a 3x3 conv;
    - ``"transposed"``: one learned 4x4 transposed convolution with stride 2 (deconvolution).
    """

    _parameter_constraints = {"upsampling": validate.Options(UPSAMPLING),
                              "code_size": validate.Interval(1, integer=True)}

    def __init__(self, upsampling: str = "transposed", code_size: int = 30,
                 channels: tuple[int, int] = (16, 32)):
        validate.parameters(self, locals())
        super().__init__()
        c1, c2 = channels
        self.upsampling, self.channels = upsampling, (c1, c2)
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.to_code = nn.Linear(c2 * 7 * 7, code_size)
        self.from_code = nn.Linear(code_size, c2 * 7 * 7)
        if upsampling == "transposed":
            self.up2 = nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1)  # 7 -> 14
            self.up1 = nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1)  # 14 -> 28
        else:
            self.up2 = nn.Conv2d(c2, c1, 3, padding=1)  # after unpooling 7 -> 14
            self.up1 = nn.Conv2d(c1, 1, 3, padding=1)  # after unpooling 14 -> 28

    @property
    def code_size(self) -> int:
        return self.to_code.out_features

    def encode_with_switches(self, x: Tensor) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """(N,1,28,28) -> code (N, code_size) and the switches (s1, s2) of the two poolings."""
        validate.batch(x, "x", IMAGE_SHAPE, flat_ok=False, like=self)
        h1, s1 = F.max_pool2d(F.relu(self.conv1(x)), 2, return_indices=True)
        h2, s2 = F.max_pool2d(F.relu(self.conv2(h1)), 2, return_indices=True)
        return self.to_code(h2.flatten(1)), (s1, s2)

    def encode(self, x: Tensor) -> Tensor:
        """(N,1,28,28) -> (N, code_size)."""
        return self.encode_with_switches(x)[0]

    def decode(self, z: Tensor, switches: tuple[Tensor, Tensor] | None = None) -> Tensor:
        """(N, code_size) -> (N,1,28,28). The ``"switches"`` decoder needs ``switches`` (s1, s2)
        from encoding the same images; the other two decode any code."""
        validate.batch(z, "z", (self.code_size,), like=self)
        h = F.relu(self.from_code(z)).view(-1, self.channels[1], 7, 7)
        if self.upsampling == "transposed":
            return torch.sigmoid(self.up1(F.relu(self.up2(h))))
        if self.upsampling == "nearest":
            h = F.relu(self.up2(nearest_unpool(h)))
            return torch.sigmoid(self.up1(nearest_unpool(h)))
        if switches is None:
            raise ValueError("this decoder unpools with switches: pass decode(z, switches) with the"
                             " switches from encode_with_switches(x), or use upsampling='nearest'")
        s1, s2 = switches
        if len(s1) != len(z):
            raise ValueError(f"{len(z)} codes but switches for {len(s1)} images")
        h = F.relu(self.up2(max_unpool(h, s2)))
        return torch.sigmoid(self.up1(max_unpool(h, s1)))

    def forward(self, x: Tensor) -> Tensor:
        z, switches = self.encode_with_switches(x)
        return self.decode(z, switches)

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per image, averaged over the batch."""
        return squared_error(self(x).view_as(x), x).mean()

    def switch_bits(self) -> int:
        """Bits the switches carry per image: log2(4) = 2 per pooled value, both poolings."""
        c1, c2 = self.channels
        return 2 * (c1 * 14 * 14 + c2 * 7 * 7)


class ConvLayerAutoencoder(nn.Module):
    """One level of a stacked convolutional autoencoder (Masci et al. 2011).

    Feature maps x (N, C_in, H, W) -> code maps max_pool(relu(conv_k(x))) (N, C_out, H/2, W/2)
    -> nearest unpooling and a k x k convolution back to (N, C_in, H, W). The first level reads
    images (``sigmoid_output=True``); a higher level reads the code maps of the level below.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 16, kernel_size: int = 5,
                 sigmoid_output: bool = True):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (same-size padding), got {kernel_size}")
        self.encoder = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.decoder = nn.Conv2d(out_channels, in_channels, kernel_size, padding=kernel_size // 2)
        self.sigmoid_output = sigmoid_output

    def encode(self, x: Tensor) -> Tensor:
        """(N, C_in, H, W) -> (N, C_out, H/2, W/2)."""
        _check_maps(x)
        if x.shape[1] != self.encoder.in_channels:
            raise ValueError(f"expected {self.encoder.in_channels} input channels, got {x.shape[1]}")
        if min(x.shape[2:]) < 2:
            raise ValueError(f"x must be at least 2x2 pixels to be pooled, got shape {tuple(x.shape)}")
        validate.batch(x, "x", tuple(x.shape[1:]), flat_ok=False, like=self)
        return F.max_pool2d(F.relu(self.encoder(x)), 2)

    def decode(self, h: Tensor) -> Tensor:
        """(N, C_out, H/2, W/2) -> (N, C_in, H, W)."""
        _check_maps(h, "h")
        if h.shape[1] != self.decoder.in_channels:
            raise ValueError(f"expected {self.decoder.in_channels} code channels, got {h.shape[1]}")
        validate.batch(h, "h", tuple(h.shape[1:]), flat_ok=False, like=self)
        out = self.decoder(nearest_unpool(h))
        return torch.sigmoid(out) if self.sigmoid_output else out

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """Sum of squared errors per example, averaged over the batch."""
        return squared_error(self(x).view_as(x), x).mean()
