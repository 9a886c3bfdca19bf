"""Interactive explorers for latent spaces, with a static twin for the website.

``latent_explorer`` returns an object that Jupyter shows as live sliders (one per latent
dimension) over the decoded image. Its output also carries a kernel-free HTML animation: each
dimension swept in turn, the others held fixed. A page with no kernel (the static book) shows
that animation instead of an empty widget box.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from . import plot
from .train import predict


def _png(image: Tensor, scale: int) -> bytes:
    """One image (C, H, W) or (H, W) in [0, 1] -> PNG bytes, enlarged ``scale`` times."""
    import matplotlib.image

    arr = image.detach().float().cpu().clamp(0, 1).reshape(-1, *image.shape[-2:])[0].numpy()
    arr = np.kron(arr, np.ones((scale, scale)))
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, arr, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def _check_start(start: Tensor, dims: Sequence[int] | None) -> list[int]:
    if not isinstance(start, Tensor) or start.dim() != 1 or len(start) == 0:
        got = tuple(start.shape) if isinstance(start, Tensor) else type(start).__name__
        raise ValueError(f"start must be one latent code, a 1-D tensor (latent,), got {got}")
    if not torch.isfinite(start).all():
        raise ValueError("start contains NaN or infinite values")
    dims = list(range(len(start))) if dims is None else [int(d) for d in dims]
    if not dims or any(not 0 <= d < len(start) for d in dims):
        raise ValueError(f"dims must be a non-empty list of indices in 0..{len(start) - 1}, got {dims}")
    return dims


def traversal_frames(decode: Callable[[Tensor], Tensor], start: Tensor, *,
                     dims: Sequence[int] | None = None, span: float = 3.0,
                     steps: int = 13) -> list[Tensor]:
    """Images (len(dims), C, H, W) per frame: in frame t, image i decodes ``start`` with
    dimension dims[i] set to the t-th of ``steps`` values from -span to span."""
    dims = _check_start(start, dims)
    if steps < 2 or not span > 0:
        raise ValueError(f"need steps >= 2 and span > 0, got steps={steps}, span={span}")
    frames = []
    for value in torch.linspace(-span, span, steps):
        codes = start.detach().repeat(len(dims), 1)
        codes[torch.arange(len(dims)), dims] = value
        frames.append(predict(decode, codes))  # on the decoder's device, results on the CPU
    return frames


class LatentExplorer:
    """Live sliders over a decoder in Jupyter; a swept-dimension animation elsewhere.

    ``explorer.sliders`` are the ipywidgets FloatSliders (dimension order as ``dims``),
    ``explorer.image`` the ipywidgets Image they update, ``explorer.code`` the current code.
    """

    def __init__(self, decode: Callable[[Tensor], Tensor], start: Tensor, *,
                 dims: Sequence[int] | None = None, span: float = 3.0, scale: int = 6,
                 static_steps: int = 13, title: str = "latent traversal"):
        import ipywidgets as widgets

        self.dims = _check_start(start, dims)
        self.decode, self.scale, self.title = decode, scale, title
        self.span, self.static_steps = span, static_steps
        self.code = start.detach().clone().float()
        self.image = widgets.Image(format="png", value=self._render())
        self.sliders = [widgets.FloatSlider(value=float(self.code[d]), min=-span, max=span, step=0.05,
                                            description=f"z[{d}]", continuous_update=True,
                                            layout=widgets.Layout(width="260px"))
                        for d in self.dims]
        for dim, slider in zip(self.dims, self.sliders):
            slider.observe(self._moved(dim), names="value")
        columns = [widgets.VBox(self.sliders[i:i + 8]) for i in range(0, len(self.sliders), 8)]
        self.widget = widgets.HBox([self.image, *columns])

    def _render(self) -> bytes:
        return _png(predict(self.decode, self.code[None])[0], self.scale)

    def _moved(self, dim: int):
        def update(change) -> None:
            self.code[dim] = float(change["new"])
            self.image.value = self._render()
        return update

    def static_html(self) -> str:
        """The kernel-free twin: an HTML/JavaScript animation sweeping each dimension in turn."""
        frames = traversal_frames(self.decode, self.code, dims=self.dims, span=self.span,
                                  steps=self.static_steps)
        caption = f"{self.title}: each image sweeps one dimension, -{self.span:g} to {self.span:g}; step"
        anim = plot.animate_images(frames, nrow=min(8, len(self.dims)), title=caption)
        return plot.animation_html(anim).data

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        return {**bundle, "text/html": self.static_html()}


def latent_explorer(decode: Callable[[Tensor], Tensor], start: Tensor, *,
                    dims: Sequence[int] | None = None, span: float = 3.0,
                    title: str = "latent traversal") -> LatentExplorer:
    """Sliders for the latent dimensions ``dims`` (default: all) of the code ``start``
    (latent,), decoding live with ``decode`` ((N, latent) -> images (N, C, H, W)).

    Display it (last line of a cell): Jupyter shows the sliders; a page without a kernel shows
    the same decoder as an animation that sweeps each dimension from -span to span.
    """
    return LatentExplorer(decode, start, dims=dims, span=span, title=title)
