import pytest
import torch

from aelib.models import autoregressive as ar
from aelib.models.autoregressive import receptive_field

SMALL = {
    "independent": lambda: ar.IndependentPixels(),
    "pixelcnn": lambda: ar.PixelCNN(channels=8, layers=3),
    "rowlstm": lambda: ar.RowLSTM(hidden=6, layers=2, channels=5),
}


def _randomise(model):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)
    return model.double()


@pytest.mark.parametrize("name", SMALL)
def test_each_logit_depends_only_on_earlier_pixels(name):
    model = _randomise(SMALL[name]())
    x = torch.bernoulli(torch.full((1, 1, 28, 28), 0.3, dtype=torch.float64))
    jac = torch.autograd.functional.jacobian(lambda v: model.logits(v.view(1, 1, 28, 28)).flatten(),
                                             x.flatten(), vectorize=True)  # (784 outputs, 784 inputs)
    on_or_after = torch.triu(torch.ones(784, 784, dtype=torch.bool))  # input j >= output i
    assert jac[on_or_after].abs().max() == 0  # exactly zero: no leak from the future
    if name != "independent":
        assert jac[~on_or_after].abs().max() > 0


def test_receptive_fields_pixelcnn_blind_spot_and_rowlstm_reach():
    cnn, rnn = _randomise(ar.PixelCNN(channels=8, layers=5)), _randomise(ar.RowLSTM(hidden=6, channels=5))
    x = torch.bernoulli(torch.full((1, 1, 28, 28), 0.3, dtype=torch.float64)).requires_grad_()
    seen = {}
    for name, model in (("cnn", cnn), ("rnn", rnn)):
        (grad,) = torch.autograd.grad(model.logits(x)[0, 0, 14, 5], x)
        seen[name] = grad[0, 0].abs() > 0
    assert seen["cnn"][13, 8] and not seen["cnn"][13, 10]  # the blind spot, up and to the right
    assert seen["rnn"][0, 5] and not seen["cnn"][0, 5]  # the recurrence reaches the top rows


@pytest.mark.parametrize("name", SMALL)
def test_nll_is_the_bernoulli_likelihood_and_samples_are_binary(name):
    model = SMALL[name]()
    x = torch.bernoulli(torch.full((3, 1, 28, 28), 0.2))
    nll = model.nll(x)
    assert nll.shape == (3,) and (nll > 0).all()
    if name == "independent":  # zero logits: every pixel costs log 2
        torch.testing.assert_close(nll, torch.full((3,), 784 * torch.log(torch.tensor(2.0))))
    model.loss(x).backward()
    snapshots = []
    samples = model.sample(2, generator=torch.Generator().manual_seed(0), snapshots=snapshots)
    assert samples.shape == (2, 1, 28, 28) and set(samples.unique().tolist()) <= {0.0, 1.0}
    assert len(snapshots) == 28


@pytest.mark.parametrize("name", ["pixelcnn", "rowlstm"])
def test_fast_sampling_matches_the_full_forward_pass(name):
    # The cropped (PixelCNN) and cached (Row LSTM) conditionals equal the full model's logits.
    model = _randomise(SMALL[name]()).float()
    x = torch.bernoulli(torch.full((2, 1, 28, 28), 0.3))
    full = model.logits(x)
    model._begin_sampling()
    for r, c in [(0, 0), (0, 27), (5, 3), (6, 0), (13, 20), (27, 27)]:
        torch.testing.assert_close(model._conditional(x, r, c), full[:, 0, r, c], atol=1e-5, rtol=1e-5)


def test_completions_keep_the_given_rows():
    model = ar.PixelCNN(channels=4, layers=2)
    given = torch.bernoulli(torch.full((3, 1, 28, 28), 0.5))
    out = model.sample(3, given=given, start_row=14)
    torch.testing.assert_close(out[:, :, :14], given[:, :, :14])


def test_bad_input_is_explained():
    model = ar.PixelCNN(channels=4, layers=2)
    with pytest.raises(ValueError, match="binary"):
        model.nll(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        model.nll(torch.zeros(2, 784))
    with pytest.raises(ValueError, match="n must"):
        model.sample(0)
    with pytest.raises(ValueError, match="given holds 2"):
        model.sample(3, given=torch.zeros(2, 1, 28, 28), start_row=5)
    with pytest.raises(ValueError, match="mask"):
        ar.MaskedConv2d(1, 1, 3, "C")


@pytest.mark.parametrize("name", ["pixelcnn", "rowlstm"])
def test_start_at_independent_makes_the_model_the_baseline(name):
    model = SMALL[name]()
    x = torch.bernoulli(torch.full((8, 1, 28, 28), 0.2))
    model.start_at_independent(x)
    torch.testing.assert_close(model.pixel_bias, torch.logit((x.sum(0, keepdim=True) + 1) / 10))
    # the last layer is zeroed: the model starts exactly at the independent-pixel likelihood
    with torch.no_grad():
        torch.testing.assert_close(model.nll(x), ar.IndependentPixels.fitted(x).nll(x))


def _field_of_positive_weights(model, target):
    # Every weight positive, input all ones: no ReLU is off and no two paths cancel, so the
    # gradient is non-zero exactly on the pixels the architecture connects to the target.
    torch.manual_seed(0)
    model = model.double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.01 + 0.02 * torch.rand_like(p))
        for m in model.modules():
            if hasattr(m, "mask"):
                m.weight.mul_(m.mask)
    x = torch.ones(1, 1, 28, 28, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(model.logits(x)[0, 0, target[0], target[1]], x)
    return grad[0, 0] != 0


@pytest.mark.parametrize("target", [(14, 14), (0, 5), (27, 0), (3, 26)])
def test_receptive_fields_read_off_the_connections_match_the_models(target):
    assert torch.equal(receptive_field("pixelcnn", target, layers=7),
                       _field_of_positive_weights(ar.PixelCNN(channels=4, layers=7), target))
    assert torch.equal(receptive_field("row-lstm", target),
                       _field_of_positive_weights(ar.RowLSTM(hidden=4, channels=4), target))


def test_only_the_diagonal_bilstm_sees_almost_all_the_context():
    target = (14, 14)
    before = torch.zeros(28, 28, dtype=torch.bool)
    before[:14], before[14, :14] = True, True
    fields = {a: receptive_field(a, target) for a in ("pixelcnn", "row-lstm", "diagonal-bilstm")}
    assert all(not (f & ~before).any() for f in fields.values())  # causal
    missed = before & ~fields["diagonal-bilstm"]
    assert missed.nonzero().tolist() == [[13, 27]]  # the last pixel of the row above: no feature reads it
    assert fields["pixelcnn"].sum() < fields["row-lstm"].sum() < fields["diagonal-bilstm"].sum()
    assert fields["pixelcnn"][7, 20] and not fields["pixelcnn"][13, 20]  # the blind spot: a wedge up-right
    with pytest.raises(ValueError, match="target must be a pixel"):
        receptive_field("row-lstm", (28, 0))
