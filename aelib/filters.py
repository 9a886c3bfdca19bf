"""Classical denoising filters, the baselines a denoising autoencoder must beat."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def _check(x: Tensor) -> None:
    if not isinstance(x, Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"expected a batch of images (N, C, H, W), got {shape}")


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """Convolve each image (N, C, H, W) with a Gaussian of standard deviation ``sigma`` pixels.

    The kernel spans +-3 sigma; borders are reflected. Same shape as ``x``.
    """
    _check(x)
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    radius = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    g = g / g.sum()
    n, c, h, w = x.shape
    flat = F.pad(x.reshape(n * c, 1, h, w), (radius,) * 4, mode="reflect")
    flat = F.conv2d(F.conv2d(flat, g.view(1, 1, 1, -1)), g.view(1, 1, -1, 1))  # separable
    return flat.view(n, c, h, w)


def median_filter(x: Tensor, size: int = 3) -> Tensor:
    """Replace each pixel by the median of its ``size`` x ``size`` neighbourhood (odd size).

    Borders are reflected. Same shape as ``x``.
    """
    _check(x)
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be an odd positive integer, got {size}")
    n, c, h, w = x.shape
    r = size // 2
    flat = x.reshape(n * c, 1, h, w)
    out = torch.empty_like(flat)
    for i in range(0, len(flat), 1000):  # chunks bound the memory of the unfolded patches
        padded = F.pad(flat[i:i + 1000], (r,) * 4, mode="reflect")
        patches = F.unfold(padded, size)  # (chunk, size*size, H*W)
        out[i:i + 1000] = patches.median(dim=1).values.view(-1, 1, h, w)
    return out.view(n, c, h, w)
