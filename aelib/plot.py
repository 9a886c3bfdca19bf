"""Figures the chapters share: image grids, 2-D scatter by label, training histories, retrieval."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import Tensor

from . import validate


def use_book_style() -> None:
    """One look for every figure in the book."""
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (6.4, 4.0),
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False, "image.cmap": "gray", "font.size": 10,
    })


def _to_numpy_images(images: Tensor) -> np.ndarray:
    validate.tensor(images, "images", rank=(2, 3, 4), floating=False, finite=False)
    if images.dim() == 2:  # (N, 784) flattened
        side = int(round(images.shape[1] ** 0.5))
        if side * side != images.shape[1]:
            raise ValueError(f"flattened images must have a square number of pixels, got shape"
                             f" {tuple(images.shape)}; pass them as (N, C, H, W)")
        images = images.reshape(-1, 1, side, side)
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4:
        raise ValueError(f"images must be (N, C, H, W), (N, H, W) or (N, H*W), got {tuple(images.shape)}")
    if images.shape[1] not in (1, 3):
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels, got shape {tuple(images.shape)}")
    return images.detach().float().cpu().permute(0, 2, 3, 1).numpy()


def _grid_canvas(arr: np.ndarray, nrow: int) -> np.ndarray:
    """Images (N, H, W, C) tiled ``nrow`` per row with 1-pixel NaN gaps: (rows, cols, C)."""
    n, h, w, c = arr.shape
    ncol = min(nrow, n)
    nrows = int(np.ceil(n / ncol))
    canvas = np.full((nrows * (h + 1) - 1, ncol * (w + 1) - 1, c), np.nan, dtype=np.float32)
    for i in range(n):
        r, col = divmod(i, ncol)
        canvas[r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = arr[i]
    return canvas


def image_grid(images: Tensor, *, nrow: int = 8, title: str | None = None,
               row_labels: Sequence[str] | None = None, ax=None, vmin: float = 0.0,
               vmax: float = 1.0, cmap: str = "gray"):
    """Images (N, C, H, W) in a grid of ``nrow`` per row, one shared axes. Returns the axes."""
    validate.positive_int(nrow, "nrow")
    arr = _to_numpy_images(images)
    canvas = _grid_canvas(arr, nrow)
    n, h, w, c = arr.shape
    ncol = min(nrow, n)
    nrows = int(np.ceil(n / ncol))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(2.0, 0.8 * ncol), max(1.0, 0.8 * nrows + 0.4)))
    shown = canvas[..., 0] if c == 1 else canvas
    cmap_obj = plt.get_cmap(cmap).with_extremes(bad="white")
    ax.imshow(shown, cmap=cmap_obj, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.grid(False)
    if row_labels is not None:
        ax.set_yticks([r * (h + 1) + h / 2 for r in range(nrows)], list(row_labels)[:nrows])
        ax.tick_params(length=0)
    else:
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return ax


def scatter_2d(z: Tensor | np.ndarray, labels: Tensor | np.ndarray, *, title: str = "",
               ax=None, classes: Sequence[str] | None = None, s: float = 3.0,
               xlabel: str = "dimension 1", ylabel: str = "dimension 2", legend: bool = True):
    """2-D points coloured by integer label (10 classes), with a legend. Returns the axes."""
    z = z.detach().cpu().numpy() if isinstance(z, Tensor) else np.asarray(z)
    labels = labels.cpu().numpy() if isinstance(labels, Tensor) else np.asarray(labels)
    if z.ndim != 2 or z.shape[1] != 2:
        raise ValueError(f"scatter_2d needs points of shape (N, 2), got {z.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    cmap = plt.get_cmap("tab10")
    for c in np.unique(labels):
        pts = z[labels == c]
        name = classes[c] if classes is not None else str(c)
        ax.scatter(pts[:, 0], pts[:, 1], s=s, color=cmap(int(c) % 10), label=name, alpha=0.7,
                   linewidths=0)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if legend:
        ax.legend(markerscale=4, fontsize=7, loc="best", frameon=False, ncol=2)
    return ax


def moving_average(values, width: int = 10) -> np.ndarray:
    """The mean of each run of ``width`` consecutive values: (len(values) - width + 1,)."""
    validate.positive_int(width, "width")
    values = np.asarray(values, dtype=float)
    return np.convolve(values, np.ones(width) / width, mode="valid")


def history(hist, *, ax=None, title: str = "Training history", log: bool = True):
    """Train (per step, smoothed) and validation (per epoch) loss against optimizer steps."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    steps = np.arange(1, len(hist.step_loss) + 1)
    losses = np.asarray(hist.step_loss)
    window = max(1, len(losses) // 50)
    ax.plot(steps[window - 1:], moving_average(losses, window), label="train (moving average)")
    if hist.val_loss:
        ax.plot(hist.step, hist.val_loss, "o-", ms=3, label="validation")
    ax.set(title=title, xlabel="optimizer step", ylabel="loss")
    if log:
        ax.set_yscale("log")
    ax.legend(frameon=False)
    return ax


def reconstructions(originals: Tensor, *rows: Tensor, labels: Sequence[str], n: int = 10,
                    title: str | None = None):
    """Originals in the first row, each model's reconstructions below; one row per label."""
    stacked = torch.cat([originals[:n].cpu()] + [r[:n].detach().cpu() for r in rows])
    ax = image_grid(stacked, nrow=n, row_labels=labels, title=title)
    return ax


def retrieval(queries: Tensor, neighbours: dict[str, Tensor], correct: dict[str, Tensor], *,
              title: str | None = None):
    """Each query (Nq, C, H, W) beside its nearest neighbours under several representations.

    ``neighbours[name]`` holds the retrieved images (Nq, k, C, H, W) and ``correct[name]``
    (Nq, k) whether each has the query's label; wrong ones get a red frame. One panel per
    query, one row per representation. Returns the figure.
    """
    names = list(neighbours)
    n_queries, k = correct[names[0]].shape
    h, w = queries.shape[-2:]
    size = (0.62 * (k + 1) + 1.6, 0.62 * len(names) * n_queries + 0.8)
    fig, axes = plt.subplots(n_queries, 1, figsize=size, squeeze=False)
    for q, ax in enumerate(axes[:, 0]):
        rows = [torch.cat([queries[q:q + 1].cpu(), neighbours[name][q].cpu()]) for name in names]
        image_grid(torch.cat(rows), nrow=k + 1, ax=ax, row_labels=names)
        for r, name in enumerate(names):
            for j in np.flatnonzero(~correct[name][q].cpu().numpy()):
                ax.add_patch(plt.Rectangle(((j + 1) * (w + 1) - 0.5, r * (h + 1) - 0.5), w, h,
                                           fill=False, edgecolor="red", linewidth=1.5))
        ax.axvline(w + 0.5, color="black", linewidth=1)
    axes[0, 0].set_title(title or "Query (left) and its nearest neighbours; red: another label")
    fig.tight_layout()
    return fig


def animate_embeddings(snapshots, labels, *, title: str = "Embedding", classes=None,
                       interval: int = 150):
    """A matplotlib animation of 2-D embeddings over iterations.

    ``snapshots`` is a list of (iteration, (N, 2) array); each frame rescales the axes so
    that the shape, not the growing scale, is what changes.
    """
    from matplotlib.animation import FuncAnimation

    labels = labels.cpu().numpy() if isinstance(labels, Tensor) else np.asarray(labels)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    first = np.asarray(snapshots[0][1])
    points = ax.scatter(first[:, 0], first[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5,
                        s=4, linewidths=0)
    ax.set(xlabel="dimension 1", ylabel="dimension 2")
    handles = [plt.Line2D([], [], ls="", marker="o", color=plt.get_cmap("tab10")(c), ms=4,
                          label=classes[c] if classes is not None else str(c))
               for c in np.unique(labels)]
    ax.legend(handles=handles, fontsize=7, frameon=False, ncol=2, loc="upper right")

    def draw(frame):
        iteration, emb = snapshots[frame]
        emb = np.asarray(emb)
        points.set_offsets(emb)
        lo, hi = emb.min(0), emb.max(0)
        pad = 0.05 * (hi - lo).max()
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
        ax.set_title(f"{title}: iteration {iteration}")
        return (points,)

    anim = FuncAnimation(fig, draw, frames=len(snapshots), interval=interval, blit=False)
    plt.close(fig)
    return anim


def animate_images(frames: Sequence[Tensor], *, nrow: int = 8, title: str = "Frame",
                   interval: int = 120):
    """A matplotlib animation of a grid of images changing over time, e.g. images being
    generated row by row. ``frames`` is a list of (N, C, H, W) tensors, one per frame."""
    from matplotlib.animation import FuncAnimation

    if not frames:
        raise ValueError("frames is empty: pass at least one (N, C, H, W) tensor")
    ax = image_grid(frames[0], nrow=nrow, title=f"{title} 1/{len(frames)}")
    fig, shown = ax.figure, ax.images[0]

    def draw(frame):
        canvas = _grid_canvas(_to_numpy_images(frames[frame]), nrow)
        shown.set_data(canvas[..., 0] if canvas.shape[-1] == 1 else canvas)
        ax.set_title(f"{title} {frame + 1}/{len(frames)}")
        return (shown,)

    anim = FuncAnimation(fig, draw, frames=len(frames), interval=interval, blit=False)
    plt.close(fig)
    return anim


def animation_html(anim):
    """``anim.to_jshtml()`` for Jupyter and the static site, with no CDN request.

    matplotlib links Font Awesome from a CDN for its player buttons; the book's theme ships
    Font Awesome locally, so the link is dropped.
    """
    import re

    from IPython.display import HTML

    html = anim.to_jshtml(default_mode="once")
    return HTML(re.sub(r"<link[^>]*font-awesome[^>]*>", "", html))
