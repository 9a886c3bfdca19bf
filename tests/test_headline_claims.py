"""Each chapter's headline check can fail: the same measurement, made at small size, falls on the
wrong side of the threshold the chapter asserts in quick mode when the model is broken, and on
the right side when it is not. Most broken variants are plausible bugs (the wrong kernel, an
unmasked centre pixel, the notes' KL sign, a denoiser that learns to reproduce its noise);
two are untrained models.

The thresholds are read from the chapters themselves (``chapter_checks.holds``), so a test and
its chapter cannot drift apart.
"""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from chapter_checks import assert_separates
from sklearn.manifold import LocallyLinearEmbedding, SpectralEmbedding

from aelib import data, filters, metrics, tsne
from aelib.models import (
    VAE,
    AdversarialAutoencoder,
    Autoencoder,
    Classifier,
    ConvAutoencoder,
    DenoisingAutoencoder,
    IndependentPixels,
    KSparseAutoencoder,
    LinearAutoencoder,
    PixelCNN,
    SparseAutoencoder,
    StackedAutoencoder,
    sample_prior,
)
from aelib.models.autoregressive import MaskedConv2d
from aelib.models.made import MADE, MADEVAE
from aelib.models.vae import gaussian_kl
from aelib.pca import PCA
from aelib.train import fit, fit_greedy, predict


@pytest.fixture(scope="module")
def mnist():
    """The offline split: 7,200 training and 2,000 test digits, with labels."""
    x, y = data._read_split(data.VENDORED_DIR, "mnist", "t10k")
    return x[:7200], y[:7200], x[8000:], y[8000:]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("AELIB_PROGRESS", "none")


def _error(model, x):
    return metrics.reconstruction_error(predict(model, x), x)


# ----------------------------------------------------------------------------- 1: t-SNE


def test_01_tsne_beats_the_graph_methods_and_the_wrong_kernel_does_not(mnist):
    x, y, _, _ = mnist
    X = PCA(50).fit_transform(x[:600]).double()
    labels = y[:600]

    def knn(embedding):
        Z = torch.as_tensor(np.ascontiguousarray(embedding))
        return metrics.knn_accuracy(Z, labels, Z, labels, k=10, exclude_self=True)

    graph = max(knn(X[:, :2].numpy()),
                knn(LocallyLinearEmbedding(n_neighbors=10, random_state=0).fit_transform(X.numpy())),
                knn(SpectralEmbedding(n_neighbors=10, random_state=0).fit_transform(X.numpy())))
    # the wrong kernel: SNE's Gaussian, whose map is crowded
    maps = {kernel: tsne.TSNE(method="exact", kernel=kernel, max_iter=400, random_state=0).fit_transform(X)
            for kernel in ("student-t", "gaussian")}
    gain = {kernel: knn(embedding) - graph for kernel, embedding in maps.items()}
    assert_separates("01_tsne", "tsne-vs-graph-methods", correct=gain["student-t"], broken=gain["gaussian"])


# ----------------------------------------------------------------------------- 2: autoencoders


def test_02_linear_ae_finds_the_pca_subspace_and_without_biases_it_does_not(mnist):
    x = mnist[0][:4000]
    k = 12
    pca = PCA(k).fit(x)

    def largest_angle(biases: bool) -> float:
        torch.manual_seed(0)
        model = LinearAutoencoder(k)
        if not biases:  # the bug: no offsets, so it fits the uncentred data's subspace
            for layer in (model.encoder[0], model.decoder[0]):
                layer.bias.data.zero_()
                layer.bias.requires_grad_(False)
        fit(model, x, steps=1500, batch_size=256, lr=1e-2, schedule="onecycle")
        return float(metrics.principal_angles(model.decoder_basis(), pca.components_.T).max())

    correct, broken = largest_angle(True), largest_angle(False)
    assert_separates("02_autoencoders", "linear-ae-largest-angle", correct=correct, broken=broken)


def test_02b_more_unlabelled_data_lowers_the_error_and_an_untrained_code_does_not(mnist):
    x, _, x_test, _ = mnist

    def error_ratio(steps: int) -> float:
        errors = []
        for n in (500, len(x)):
            torch.manual_seed(n)
            model = Autoencoder((784, 256, 30))
            if steps:
                fit(model, x[:n], steps=steps, batch_size=256, lr=3e-3, weight_decay=1e-4,
                    schedule="onecycle")
            errors.append(_error(model, x_test))
        return errors[0] / errors[1]

    correct, untrained = error_ratio(500), error_ratio(0)
    assert_separates("02b_retrieval", "data-size-error-ratio", correct=correct, broken=untrained)


class _NoiseTargetDAE(DenoisingAutoencoder):
    """The bug: the target is the corrupted image, so the network learns to keep the noise."""

    def loss(self, x):
        corrupted = self.corrupt(x)
        return (self.autoencoder(corrupted) - corrupted).pow(2).flatten(1).sum(1).mean()


def test_02c_a_denoiser_beats_the_best_filter_and_one_trained_on_noisy_targets_does_not(mnist):
    x, _, x_test, _ = mnist
    x_test = x_test[:1000]
    generator = torch.Generator().manual_seed(1)
    noisy = data.corrupt(x_test, "gaussian", 0.5, generator=generator)
    psnr = lambda images: metrics.psnr(images.clamp(0, 1), x_test)  # noqa: E731
    best_filter = max(psnr(filters.gaussian_blur(noisy, s)) for s in (0.7, 1.0, 1.5))
    best_filter = max(best_filter, *(psnr(filters.median_filter(noisy, m)) for m in (3, 5)))

    def gain(wrapper) -> float:
        torch.manual_seed(0)
        autoencoder = Autoencoder((784, 512, 128, 64))
        fit(wrapper(autoencoder, "gaussian", (0.2, 0.6)), x, steps=800, batch_size=128, lr=3e-3,
            weight_decay=1e-4, schedule="onecycle")
        return psnr(predict(autoencoder, noisy)) - best_filter

    correct, broken = gain(DenoisingAutoencoder), gain(_NoiseTargetDAE)
    assert_separates("02c_denoising_contractive", "dae-vs-filter-sigma05", correct=correct, broken=broken)


# ----------------------------------------------------------------------------- 3: convolutional


def test_03_switches_beat_copying_and_switches_from_the_wrong_image_do_not(mnist):
    x, _, x_test, _ = mnist
    models = {}
    for upsampling in ("switches", "nearest"):
        torch.manual_seed(0)
        models[upsampling] = ConvAutoencoder(upsampling)
        fit(models[upsampling], x, steps=200, batch_size=64, lr=3e-3, weight_decay=1e-4, schedule="onecycle")
    switch_ae = models["switches"].eval()

    def misaligned(images):  # the bug: each image decoded with its neighbour's switches
        code, switches = switch_ae.encode_with_switches(images)
        return switch_ae.decode(code, tuple(s.roll(1, 0) for s in switches))

    with torch.no_grad():
        copying = _error(models["nearest"], x_test)
        correct = copying / _error(switch_ae, x_test)
        broken = copying / metrics.reconstruction_error(misaligned(x_test), x_test)
    assert_separates("03_conv_autoencoders", "switches-vs-no-switches", correct=correct, broken=broken)


# ----------------------------------------------------------------------------- 4: PixelRNN


def test_04_a_pixelcnn_is_causal_and_one_with_its_centre_pixel_unmasked_is_not(mnist):
    image = data.binarize(mnist[0][3:4]).requires_grad_()

    def future_gradient(model) -> float:
        (grad,) = torch.autograd.grad(model.logits(image)[0, 0, 14, 14], image)
        later = torch.zeros(28, 28, dtype=torch.bool)
        later[14, 14:] = True
        later[15:] = True
        return float(grad[0, 0].abs()[later].max())

    torch.manual_seed(0)
    correct = PixelCNN(channels=16, layers=3)
    broken = copy.deepcopy(correct)
    first = broken.net[0]  # the bug: the first layer's mask B lets each pixel see itself
    broken.net[0] = MaskedConv2d(1, first.out_channels, first.kernel_size[0], "B")
    broken.net[0].weight.data.copy_(first.weight)  # same weights, only the mask differs
    broken.net[0].bias.data.copy_(first.bias)
    assert_separates("04_pixelrnn", "causality-pixelcnn", correct=future_gradient(correct),
                     broken=future_gradient(broken))


# ----------------------------------------------------------------------------- 5: VAE


class _NotesSignVAE(VAE):
    """The notes' sign: minimise reconstruction error minus twice the KL, a loss with no minimum."""

    def loss(self, x):
        return -self.elbo(x, kl_weight=-2.0).mean()


def test_05_a_vae_beats_independent_pixels_and_one_with_the_notes_kl_sign_does_not(mnist):
    x = data.binarize(mnist[0][:4000])
    x_test = data.binarize(mnist[2][:200], seed=1)
    with torch.no_grad():
        floor = float(IndependentPixels.fitted(x).nll(x_test).mean())

    def gain(model_class) -> float:
        torch.manual_seed(0)
        model = model_class(train_samples=1)
        fit(model, x, steps=200, batch_size=128, lr=1e-3)
        torch.manual_seed(1)
        return floor - float(model.nll(x_test, k=50).mean())

    correct, notes_sign = gain(VAE), gain(_NotesSignVAE)
    assert_separates("05_vae", "vae-vs-independent", correct=correct, broken=notes_sign)


def test_05b_a_decoder_with_a_head_start_collapses_and_one_started_untrained_does_not(mnist):
    x_grey, x_test = mnist[0][:4000], data.binarize(mnist[2][:500], seed=1)

    def kl(model) -> float:
        with torch.no_grad():
            return float(gaussian_kl(*model.posterior(x_test)).mean())

    def trained(model):
        fit(model, x_grey, augment=torch.bernoulli, steps=400, batch_size=128, lr=2e-3)
        return model

    torch.manual_seed(0)
    made = trained(MADE())
    torch.manual_seed(0)
    untrained = MADE()  # the slip: the head start taken from a MADE that never trained

    def collapse_ratio(head_start: MADE) -> float:
        torch.manual_seed(0)
        independent = trained(VAE(train_samples=1))
        torch.manual_seed(0)
        return kl(trained(MADEVAE().start_from(head_start))) / kl(independent)

    correct, broken = collapse_ratio(made), collapse_ratio(untrained)
    assert_separates("05b_posterior_collapse", "collapse-rate", correct=correct, broken=broken)


# ----------------------------------------------------------------------------- 6: sparse


def test_06_the_kl_penalty_gives_a_selective_code_and_units_started_at_one_half_do_not(mnist):
    x, _, x_test, _ = mnist

    def selectivity(start_at_rho: bool) -> float:
        torch.manual_seed(0)
        model = SparseAutoencoder(1000, rho=0.05, beta=3.0, tied=True)
        if not start_at_rho:  # the slip: biases left at 0, so every unit starts at 1/2
            model.encoder.bias.data.zero_()
        fit(model, x, steps=300, batch_size=256, lr=2e-2, schedule="onecycle")
        h = predict(model.encode, x_test)
        return float(h[h > 0.5].sum() / h.sum())

    correct, broken = selectivity(True), selectivity(False)
    assert_separates("06_sparse", "kl-selectivity", correct=correct, broken=broken)


def test_06b_greedy_layers_beat_end_to_end_and_layers_fed_untrained_codes_do_not(mnist):
    x, _, x_test, _ = mnist
    torch.manual_seed(0)
    start = StackedAutoencoder((784, 500, 250, 30))
    settings = dict(steps=85, batch_size=64, lr=1e-2, schedule="onecycle")
    end_to_end = copy.deepcopy(start)
    fit(end_to_end, x, **{**settings, "steps": 4 * settings["steps"]})
    greedy = copy.deepcopy(start)
    fit_greedy(greedy, x, **settings)
    broken = copy.deepcopy(start)  # the bug: every layer's inputs computed before any layer trained
    inputs = [predict(lambda images, i=i: broken.encode(images, i), x) for i in range(broken.depth)]
    for i, codes in enumerate(inputs):
        fit(broken.layer(i), codes, **settings)
    reference = _error(end_to_end, x_test)
    correct, wrong = _error(greedy, x_test) / reference, _error(broken, x_test) / reference
    assert_separates("06b_stacked_pretraining", "greedy-vs-e2e-error", correct=correct, broken=wrong)


# ----------------------------------------------------------------------------- 7: WTA, AAE


class _RunAwayAAE(AdversarialAutoencoder):
    """The bug: the encoder is trained towards the discriminator's 'data' label, away from the prior."""

    def generator_loss(self, batch):
        fooled = self.discriminator(self.encode(batch))
        return F.binary_cross_entropy_with_logits(fooled, torch.zeros_like(fooled))


def test_07_the_aae_pulls_codes_to_the_prior_and_one_with_the_wrong_label_does_not(mnist):
    x, _, x_test, _ = mnist
    settings = dict(steps=250, batch_size=64, lr=1e-3, schedule="cosine")
    torch.manual_seed(0)
    plain = Autoencoder((784, 256, 128, 2))
    fit(plain, x, **settings)
    reference = sample_prior(1000, "normal", generator=torch.Generator().manual_seed(4))
    plain_mmd = metrics.mmd(predict(plain.encode, x_test[:1000]), reference)

    def ratio(model_class) -> float:
        torch.manual_seed(0)
        model = model_class(2, hidden=(256, 128), prior="normal", discriminator_hidden=(128, 128))
        fit(model, x, **settings)
        return metrics.mmd(predict(model.encode, x_test[:1000]), reference) / plain_mmd

    correct, broken = ratio(AdversarialAutoencoder), ratio(_RunAwayAAE)
    assert_separates("07_more_autoencoders", "aae-vs-plain-mmd-normal", correct=correct, broken=broken)


class _UncorruptedDAE(DenoisingAutoencoder):
    """The bug in the chain: no corruption step, so it only ever denoises (and gets stuck)."""

    def corrupt(self, x):
        return x


def test_07b_the_dae_chain_moves_between_digits_and_one_without_corruption_does_not(mnist):
    x, y, x_test, _ = mnist
    binary = data.binarize(x)
    torch.manual_seed(0)
    denoiser = DenoisingAutoencoder(Autoencoder((784, 512, 256, 64)), kind="salt-pepper", level=0.3)
    fit(denoiser, binary, steps=400, batch_size=256, lr=3e-3, schedule="onecycle")
    judge = Classifier((784, 512, 10))
    fit(judge, x, y, steps=300, batch_size=256, lr=1e-3)
    broken = _UncorruptedDAE(denoiser.autoencoder, kind="salt-pepper", level=0.3)
    start = torch.bernoulli(torch.full((16, 1, 28, 28), 0.5), generator=torch.Generator().manual_seed(6))

    def classes_visited(model) -> float:
        torch.manual_seed(6)
        states = torch.stack(model.eval().chain(start, 150)[10:])
        with torch.no_grad():
            classes = judge.probabilities(states.flatten(0, 1)).argmax(1).view(len(states), -1)
        return metrics.chain_mixing(classes)[1]

    correct, stuck = classes_visited(denoiser), classes_visited(broken)
    assert_separates("07b_dae_generative", "chain-classes-visited", correct=correct, broken=stuck)


def test_07c_more_units_per_digit_reconstruct_better_and_untrained_ones_do_not(mnist):
    x, _, x_test, _ = mnist

    def error_ratio(steps: int) -> float:
        errors = {}
        for k in (5, 1000):
            torch.manual_seed(0)
            model = KSparseAutoencoder(1000, k=k)
            if steps:
                fit(model, x, steps=steps, batch_size=256, lr=1e-3, schedule="onecycle")
            errors[k] = _error(model, x_test)
        return errors[1000] / errors[5]

    correct, untrained = error_ratio(50), error_ratio(0)
    chapter = "07c_reconstruction_vs_classification"
    assert_separates(chapter, "ksparse-error-k1000-vs-k5", correct=correct, broken=untrained)


def test_every_chapter_has_a_headline_test():
    from chapter_checks import PAGES

    tested = {name.split("_")[1] for name in globals() if name.startswith("test_0")}
    chapters = {page.stem.split("_")[0] for page in PAGES if page.stem[0].isdigit()}
    assert chapters <= tested, chapters - tested
