import sys

import matplotlib.pyplot as plt
import pytest
import torch

import aelib
from aelib import plot
from aelib.train import History


def test_image_grid_layout():
    ax = plot.image_grid(torch.rand(10, 1, 28, 28), nrow=4, title="t", row_labels=["a", "b", "c"])
    img = ax.get_images()[0].get_array()
    assert img.shape == (3 * 29 - 1, 4 * 29 - 1) and ax.get_title() == "t"
    plt.close("all")
    with pytest.raises(ValueError, match=r"images must have 2, 3 or 4 dimensions, got shape \(2, 2, 2, 2, 2"):
        plot.image_grid(torch.rand(2, 2, 2, 2, 2))


def test_scatter_and_history():
    ax = plot.scatter_2d(torch.randn(50, 2), torch.arange(50) % 10, title="codes")
    assert ax.get_title() == "codes" and len(ax.collections) == 10
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot.scatter_2d(torch.randn(5, 3), torch.zeros(5))
    hist = History(epoch=[1, 2], step=[5, 10], train_loss=[2.0, 1.0], val_loss=[2.5, 1.5],
                   seconds=[1, 2], lr=[1, 1], step_loss=[3, 2, 2, 2, 1.5, 1.4, 1.2, 1.1, 1.0, 1.0])
    ax = hist.plot()
    assert ax.get_xlabel() == "optimizer step" and len(ax.lines) == 2
    plt.close("all")


def test_show_renders_source():
    shown = aelib.show(aelib.models.Autoencoder)
    assert "class Autoencoder" in repr(shown)
    html = shown._repr_html_()
    assert "aelib.models.autoencoder.Autoencoder" in html and "<span" in html
    with pytest.raises(TypeError, match="cannot show"):
        aelib.show(3)


def test_show_in_a_notebook_displays_every_listing_of_a_cell(monkeypatch):
    # a cell of two show calls must show both listings, not only the value of its last line
    shown = []
    monkeypatch.setattr(sys.modules["aelib.listing"], "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert aelib.show(aelib.models.Autoencoder) is None and aelib.show(aelib.models.mlp) is None
    assert [s.name for s in shown] == ["aelib.models.autoencoder.Autoencoder", "aelib.models.base.mlp"]


def test_animation_html_has_frames_and_no_cdn_link():
    import numpy as np

    snapshots = [(i, np.random.default_rng(i).normal(size=(30, 2))) for i in (1, 10, 20)]
    anim = plot.animate_embeddings(snapshots, np.arange(30) % 10, title="t")
    html = plot.animation_html(anim).data
    assert "font-awesome" not in html and "http://" not in html and "https://" not in html
    assert html.count("data:image/png;base64") == 3


def test_retrieval_figure_frames_the_wrong_neighbours():
    import matplotlib.pyplot as plt

    queries = torch.rand(2, 1, 28, 28)
    neighbours = {"pixels": torch.rand(2, 4, 1, 28, 28), "code": torch.rand(2, 4, 1, 28, 28)}
    correct = {"pixels": torch.tensor([[True, False, True, True], [True] * 4]),
               "code": torch.tensor([[True] * 4, [False, False, True, True]])}
    fig = aelib.plot.retrieval(queries, neighbours, correct, title="t")
    frames = [p for ax in fig.axes for p in ax.patches]
    assert len(fig.axes) == 2 and len(frames) == 3
    plt.close(fig)


def test_image_animation_has_one_frame_per_tensor_and_no_cdn_link():
    frames = [torch.rand(4, 1, 28, 28) for _ in range(3)]
    anim = aelib.plot.animate_images(frames, nrow=2, title="row")
    html = aelib.plot.animation_html(anim).data
    assert "font-awesome" not in html and html.count("frames[") >= 3
    with pytest.raises(ValueError, match="empty"):
        aelib.plot.animate_images([])
