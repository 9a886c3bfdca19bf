import pytest
import torch
import torch.nn.functional as F

from aelib import models
from aelib.models import conv

CASES = [(1, 0, 0), (1, 1, 0), (2, 0, 0), (2, 1, 0), (2, 1, 1), (3, 1, 2), (2, 0, 1)]


@pytest.mark.parametrize("stride,padding,output_padding", CASES)
@pytest.mark.parametrize("k", [3, 4])
def test_transposed_convolution_equals_scatter_and_zero_insertion_convolution(stride, padding,
                                                                              output_padding, k):
    torch.manual_seed(stride * 10 + padding + k)
    x = torch.randn(2, 3, 5, 6)
    weight = torch.randn(3, 4, k, k)  # ConvTranspose2d layout (C_in, C_out, k, k)
    expected = F.conv_transpose2d(x, weight, stride=stride, padding=padding, output_padding=output_padding)
    scattered = conv.transposed_conv_by_scatter(x, weight, stride, padding, output_padding)
    as_conv = conv.transposed_conv_as_conv(x, weight, stride, padding, output_padding)
    assert scattered.shape == as_conv.shape == expected.shape
    torch.testing.assert_close(scattered, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(as_conv, expected, atol=1e-5, rtol=1e-5)


def test_transposed_convolution_is_the_adjoint_of_convolution():
    x = torch.randn(1, 2, 9, 9)
    y = torch.randn(1, 3, 4, 4)
    w = torch.randn(3, 2, 3, 3)  # Conv2d layout (C_out, C_in, k, k) = ConvTranspose2d's (C_in', C_out', k, k)
    lhs = (F.conv2d(x, w, stride=2) * y).sum()
    rhs = (x * conv.transposed_conv_by_scatter(y, w, stride=2)).sum()
    torch.testing.assert_close(lhs, rhs, atol=1e-4, rtol=1e-5)


def test_unpooling_both_ways():
    x = torch.tensor([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 1.0],
                        [0.0, 0.0, 1.0, 1.0], [6.0, 0.0, 1.0, 2.0]]]])
    pooled, switches = F.max_pool2d(x, 2, return_indices=True)
    assert pooled.flatten().tolist() == [5.0, 8.0, 6.0, 2.0]
    unpooled = conv.max_unpool(pooled, switches)
    assert unpooled.flatten().tolist() == [0, 5, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 6, 0, 0, 2]
    copied = conv.nearest_unpool(pooled)
    assert copied[0, 0, :2, :2].eq(5).all() and copied[0, 0, 2:, 2:].eq(2).all()
    maps = torch.rand(2, 3, 5, 5)
    torch.testing.assert_close(conv.nearest_unpool(maps, 3),
                               maps.repeat_interleave(3, dim=2).repeat_interleave(3, dim=3))


def test_unpooling_rejects_missing_or_mismatched_switches():
    pooled = torch.rand(2, 3, 7, 7)
    with pytest.raises(ValueError, match="switches"):
        conv.max_unpool(pooled, None)
    with pytest.raises(ValueError, match=r"\(2, 3, 7, 7\)"):
        conv.max_unpool(pooled, torch.zeros(2, 3, 6, 6, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        conv.nearest_unpool(torch.rand(7, 7))


def test_deconvolution_helpers_reject_bad_arguments():
    x = torch.rand(1, 3, 4, 4)
    with pytest.raises(ValueError, match="C_in=3"):
        conv.transposed_conv_by_scatter(x, torch.rand(2, 4, 3, 3))
    with pytest.raises(ValueError, match="output_padding"):
        conv.transposed_conv_as_conv(x, torch.rand(3, 4, 3, 3), stride=2, output_padding=2)


@pytest.mark.parametrize("upsampling", conv.UPSAMPLING)
def test_conv_autoencoder_follows_the_protocol(upsampling, digits):
    model = models.ConvAutoencoder(upsampling)
    x = digits[0][:8]
    z, switches = model.encode_with_switches(x)
    assert z.shape == (8, 30) and model.encode(x).shape == (8, 30)
    assert model(x).shape == x.shape and 0 <= model(x).min() and model(x).max() <= 1
    loss = model.loss(x)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    if upsampling == "switches":
        with pytest.raises(ValueError, match="switches"):
            model.decode(z)
        assert model.decode(z, switches).shape == x.shape
    else:
        assert model.decode(torch.randn(3, 30)).shape == (3, 1, 28, 28)


def test_conv_autoencoder_rejects_bad_settings_and_input():
    with pytest.raises(ValueError, match="upsampling"):
        models.ConvAutoencoder("bilinear")
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        models.ConvAutoencoder().encode(torch.rand(2, 784))
    assert models.ConvAutoencoder("switches", channels=(16, 32)).switch_bits() == 2 * (16 * 196 + 32 * 49)


def test_a_stack_of_conv_layer_autoencoders_runs_level_by_level(digits):
    level1 = models.ConvLayerAutoencoder()
    level2 = models.ConvLayerAutoencoder(16, 32, sigmoid_output=False)
    x = digits[0][:4]
    h1 = level1.encode(x)
    assert h1.shape == (4, 16, 14, 14) and level1(x).shape == x.shape
    assert level2.encode(h1).shape == (4, 32, 7, 7) and level2(h1).shape == h1.shape
    assert level1.decode(level2(h1)).shape == x.shape
    level2.loss(h1.detach()).backward()
    with pytest.raises(ValueError, match="16 input channels"):
        level2.encode(x)
    with pytest.raises(ValueError, match="odd"):
        models.ConvLayerAutoencoder(kernel_size=4)
