import numpy as np
import pytest
import torch
from scipy.spatial.distance import squareform
from sklearn.manifold import TSNE as SkTSNE
from sklearn.manifold._t_sne import _joint_probabilities
from sklearn.metrics import pairwise_distances

from aelib import tsne


@pytest.fixture(scope="module")
def small():
    """300 MNIST digits reduced to 30 dimensions by PCA, float64, with labels."""
    import aelib.data

    x, y = aelib.data._read_split(aelib.data.VENDORED_DIR, "mnist", "t10k")
    X = x[:300].flatten(1).double()
    X = X - X.mean(0)
    _, _, vh = torch.linalg.svd(X, full_matrices=False)
    return (X @ vh[:30].T).numpy(), y[:300].numpy()


def test_p_matches_scikit_learn_exactly(small):
    X, _ = small
    ours = tsne.joint_probabilities(torch.from_numpy(X), 30.0).numpy()
    ref = squareform(_joint_probabilities(pairwise_distances(X, squared=True), 30.0, 0))
    assert np.allclose(ours, ref, atol=1e-8, rtol=1e-3)


def test_each_conditional_row_has_the_target_perplexity(small):
    d2 = tsne.squared_distances(torch.from_numpy(small[0]))
    p = tsne.conditional_probabilities(d2, 20.0)
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum(1)
    assert torch.allclose(torch.exp(entropy), torch.full((300,), 20.0, dtype=torch.float64), rtol=1e-4)
    assert torch.allclose(p.sum(1), torch.ones(300, dtype=torch.float64))
    assert torch.all(p.diagonal() == 0)


def test_exact_gradient_matches_autograd(small):
    P = tsne.joint_probabilities(torch.from_numpy(small[0][:50]), 10.0)
    Y = torch.randn(50, 2, dtype=torch.float64, requires_grad=True)
    for kernel in ("student-t", "gaussian"):
        d2 = (Y[:, None] - Y[None]).pow(2).sum(-1)
        w = torch.exp(-d2) if kernel == "gaussian" else 1 / (1 + d2)
        w = w * (1 - torch.eye(50, dtype=torch.float64))
        q = w / w.sum()
        mask = P > 0
        kl = (P[mask] * torch.log(P[mask] / q[mask])).sum()
        (auto,) = torch.autograd.grad(kl, Y)
        kl = kl.detach()
        value, grad = tsne.exact_gradient(P, Y.detach(), kernel)
        assert torch.allclose(grad, auto, atol=1e-10) and abs(float(value) - float(kl)) < 1e-8


def test_grid_repulsion_matches_the_exact_sums():
    torch.manual_seed(0)
    Y = torch.randn(400, 2, dtype=torch.float64) * 8
    d2 = (Y[:, None] - Y[None]).pow(2).sum(-1)
    w = 1 / (1 + d2)
    w.fill_diagonal_(0)
    exact_force = (w.pow(2)[:, :, None] * (Y[:, None] - Y[None])).sum(1)
    force, z = tsne.grid_repulsion(Y)
    assert abs(float(z) / float(w.sum()) - 1) < 1e-4
    rel = (force - exact_force).norm() / exact_force.norm()
    assert rel < 0.05


def test_fast_gradient_close_to_exact(small):
    X = torch.from_numpy(small[0])
    Y = torch.randn(300, 2, dtype=torch.float64) * 5
    rows, cols, p = tsne.sparse_joint_probabilities(X, 30.0)
    fast_kl, fast = tsne.fast_gradient(rows, cols, p, Y)
    dense = tsne.dense_from_edges(rows, cols, p, 300)
    exact_kl, exact = tsne.exact_gradient(dense, Y)  # the same sparse P, exact forces
    assert (fast - exact).norm() / exact.norm() < 0.05
    assert abs(float(fast_kl) / float(exact_kl) - 1) < 0.01
    # the kNN P itself is close to the dense P: most of each row's mass is on its neighbours
    assert float(p.sum()) == pytest.approx(0.5) and bool((rows < cols).all())
    assert float(tsne.joint_probabilities(X, 30.0)[rows, cols].sum()) > 0.45


def test_exact_tsne_agrees_with_scikit_learn(small):
    X, y = small
    ours = tsne.TSNE(method="exact", random_state=0, device="cpu")
    emb = ours.fit_transform(X)
    ref = SkTSNE(method="exact", random_state=0, init="pca", learning_rate="auto").fit(X)
    P = tsne.joint_probabilities(torch.from_numpy(X), 30.0)
    ours_kl, ref_kl = tsne.kl_divergence(P, emb), tsne.kl_divergence(P, ref.embedding_)
    assert emb.shape == (300, 2) and ours.n_iter_ == 1000
    assert abs(ours_kl / ref_kl - 1) < 0.05
    assert abs(ours.kl_divergence_ - ours_kl) < 1e-6
    assert abs(ours.kl_history_[-1][1] - ours_kl) < 0.05


def test_fast_tsne_close_to_exact_and_records_history(small):
    X, _ = small
    fast = tsne.TSNE(method="fast", random_state=0, device="cpu", snapshot_every=100, max_iter=500)
    emb = fast.fit_transform(X)
    exact = tsne.TSNE(method="exact", random_state=0, device="cpu", max_iter=500).fit_transform(X)
    kl_fast, kl_exact = tsne.exact_kl(X, emb), tsne.exact_kl(X, exact)
    assert kl_fast < 1.05 * kl_exact
    assert [it for it, _ in fast.snapshots_] == [1, 100, 200, 300, 400, 500]
    kls = [kl for _, kl in fast.kl_history_]
    assert kls[-1] < kls[0]


def test_sne_kernel_runs_and_crowds(small):
    X, _ = small
    sne = tsne.TSNE(kernel="gaussian", random_state=0, device="cpu", max_iter=300).fit_transform(X)
    assert np.isfinite(sne).all()


def test_duplicate_points_do_not_give_nan():
    X = np.repeat(np.random.default_rng(0).normal(size=(20, 5)), 3, axis=0)
    for method in ("exact", "fast"):
        emb = tsne.TSNE(perplexity=5, method=method, max_iter=300, device="cpu").fit_transform(X)
        assert np.isfinite(emb).all()


@pytest.mark.parametrize("X, kwargs, match", [
    (np.zeros((10, 3)), dict(perplexity=10), r"perplexity must be in \(0, n_samples\) = \(0, 10\)"),
    (np.zeros((1, 3)), dict(perplexity=0.5), "at least 2 samples"),
    (np.array([[0.0, np.nan], [1, 2], [3, 4]]), dict(perplexity=1), "NaN or infinite"),
    (np.zeros(10), dict(perplexity=2), "must be 2-D"),
    (np.zeros((10, 3)), dict(perplexity=2, n_components=0), "n_components must be an integer >= 1"),
    (np.zeros((10, 3)), dict(perplexity=2, method="bh"), "method must be 'exact' or 'fast'"),
    (np.zeros((10, 3)), dict(perplexity=2, method="fast", n_components=3), "2 dimensions only"),
    (np.zeros((10, 3)), dict(perplexity=2, max_iter=10), "max_iter must be an integer >= 250"),
])
def test_bad_input_is_explained(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tsne.TSNE(**kwargs).fit_transform(X)
