import pytest
import torch

from aelib import filters


def test_gaussian_blur_preserves_constants_and_mass():
    flat = torch.full((2, 1, 28, 28), 0.3)
    torch.testing.assert_close(filters.gaussian_blur(flat, 1.0), flat)
    dot = torch.zeros(1, 1, 28, 28)
    dot[0, 0, 14, 14] = 1.0
    blurred = filters.gaussian_blur(dot, 1.0)
    assert blurred.shape == dot.shape
    torch.testing.assert_close(blurred.sum(), torch.tensor(1.0))
    assert blurred[0, 0, 14, 14] == blurred.max() < 1  # spread out, centred


def test_median_filter_removes_isolated_outliers_and_matches_a_direct_median():
    x = torch.zeros(3, 1, 28, 28)
    x[:, 0, 10, 10] = 1.0
    assert filters.median_filter(x, 3).abs().max() == 0
    y = torch.rand(2, 1, 9, 9)
    out = filters.median_filter(y, 3)
    torch.testing.assert_close(out[1, 0, 4, 4], y[1, 0, 3:6, 3:6].flatten().median())


def test_median_filter_works_in_chunks():
    x = torch.rand(2500, 1, 6, 6)
    chunked = filters.median_filter(x, 3)
    torch.testing.assert_close(chunked[2100:2102], filters.median_filter(x[2100:2102], 3))


@pytest.mark.parametrize("call", [lambda: filters.gaussian_blur(torch.rand(28, 28), 1.0),
                                  lambda: filters.gaussian_blur(torch.rand(1, 1, 28, 28), 0.0),
                                  lambda: filters.median_filter(torch.rand(1, 1, 28, 28), 4)])
def test_filters_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()
