"""Classical denoising filters, the baselines a denoising autoencoder must beat.

Explained in chapter 2c, `chapters/02c_denoising_contractive.ipynb`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import metrics, validate


def _check(x: Tensor, radius: int) -> None:
    """A batch of images (N, C, H, W) larger than the filter's radius (borders are reflected)."""
    validate.tensor(x, "x", rank=4)
    if min(x.shape[2:]) <= radius:
        raise ValueError(f"x must be more than {radius} pixels high and wide for this filter (its"
                         f" borders are reflected), got shape {tuple(x.shape)}")


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """Convolve each image (N, C, H, W) with a Gaussian of standard deviation ``sigma`` pixels.

    The kernel spans +-3 sigma; borders are reflected. Same shape as ``x``.
    """
    validate.number(sigma, "sigma", positive=True)
    radius = max(1, int(3 * sigma + 0.5))
    _check(x, radius)
    # the kernel in float64: a tiny sigma must not underflow to 0 in x's dtype (0 / 0 = NaN)
    t = torch.arange(-radius, radius + 1, dtype=torch.float64, device=x.device)
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    g = (g / g.sum()).to(x.dtype)
    n, c, h, w = x.shape
    flat = F.pad(x.reshape(n * c, 1, h, w), (radius,) * 4, mode="reflect")
    flat = F.conv2d(F.conv2d(flat, g.view(1, 1, 1, -1)), g.view(1, 1, -1, 1))  # separable
    return flat.view(n, c, h, w)


def median_filter(x: Tensor, size: int = 3) -> Tensor:
    """Replace each pixel by the median of its ``size`` x ``size`` neighbourhood (odd size).

    Borders are reflected. Same shape as ``x``.
    """
    if validate.positive_int(size, "size") % 2 == 0:
        raise ValueError(f"size must be an odd positive integer, got {size}")
    r = size // 2
    _check(x, r)
    n, c, h, w = x.shape
    flat = x.reshape(n * c, 1, h, w)
    out = torch.empty_like(flat)
    for i in range(0, len(flat), 1000):  # chunks bound the memory of the unfolded patches
        padded = F.pad(flat[i:i + 1000], (r,) * 4, mode="reflect")
        patches = F.unfold(padded, size)  # (chunk, size*size, H*W)
        out[i:i + 1000] = patches.median(dim=1).values.view(-1, 1, h, w)
    return out.view(n, c, h, w)


# The classical baselines and the parameters tried for each, chosen on validation images.
FILTER_GRID = {"Gaussian blur": (gaussian_blur, (0.5, 0.7, 1.0, 1.5)), "median": (median_filter, (3, 5))}


def best_filters(noisy_val: Tensor, clean_val: Tensor, noisy_test: Tensor, clean_test: Tensor,
                 grid=None) -> dict[str, tuple[float, float]]:
    """For each filter of ``grid`` (default ``FILTER_GRID``: name -> (filter, parameters)), the
    parameter with the best PSNR on the validation images (N, 1, 28, 28) and that parameter's
    PSNR on the test images, in dB: name -> (parameter, test PSNR). Outputs are clamped to
    [0, 1] before they are scored."""
    found = {}
    for name, (apply, params) in (FILTER_GRID if grid is None else grid).items():
        chosen = max(params, key=lambda p: metrics.psnr(apply(noisy_val, p), clean_val, clip=True))
        found[name] = chosen, metrics.psnr(apply(noisy_test, chosen), clean_test, clip=True)
    return found
