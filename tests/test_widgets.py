import pytest
import torch

from aelib import metrics, widgets
from aelib.models import VAE


def test_explorer_decodes_live_and_carries_a_static_twin():
    model = VAE(latent=3)
    explorer = widgets.latent_explorer(model.decode, torch.zeros(3), dims=[0, 2])
    assert [s.description for s in explorer.sliders] == ["z[0]", "z[2]"]
    before = explorer.image.value
    explorer.sliders[1].value = 2.5
    assert explorer.code.tolist() == [0.0, 0.0, 2.5] and explorer.image.value != before
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # live in Jupyter
    html = bundle["text/html"]  # the kernel-free twin
    assert "<script" in html and "font-awesome" not in html and "https://" not in html


def test_traversal_sweeps_one_dimension_per_image():
    decode = VAE(latent=2).decode
    frames = widgets.traversal_frames(decode, torch.zeros(2), steps=3, span=1.0)
    assert len(frames) == 3 and frames[0].shape == (2, 1, 28, 28)
    expected = decode(torch.tensor([[-1.0, 0.0], [0.0, -1.0]]))
    torch.testing.assert_close(frames[0], expected)


@pytest.mark.parametrize("start, dims, match", [
    (torch.zeros(2, 3), None, "1-D tensor"),
    (torch.tensor([0.0, float("nan")]), None, "NaN"),
    (torch.zeros(3), [5], "indices in 0..2"),
])
def test_bad_explorer_arguments_are_explained(start, dims, match):
    with pytest.raises(ValueError, match=match):
        widgets.latent_explorer(VAE(latent=3).decode, start, dims=dims)


def test_inception_score_ranges_from_one_to_the_number_of_classes():
    assert metrics.inception_score(torch.full((20, 10), 0.1)) == pytest.approx(1.0)
    assert metrics.inception_score(torch.eye(10).repeat(3, 1)) == pytest.approx(10.0, rel=1e-6)
    one_class = torch.zeros(5, 10)
    one_class[:, 3] = 1
    assert metrics.inception_score(one_class) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="probabilities must have 2 dimensions"):
        metrics.inception_score(torch.rand(10))
