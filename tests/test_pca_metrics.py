import math

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA as SkPCA

from aelib import metrics
from aelib.pca import PCA


def test_pca_matches_scikit_learn(digits):
    x = digits[0]
    ours = PCA(5).fit(x)
    ref = SkPCA(5, svd_solver="full").fit(x.flatten(1).numpy())
    assert np.allclose(ours.explained_variance_.numpy(), ref.explained_variance_, rtol=1e-4)
    # components agree up to sign
    dots = (ours.components_.numpy() * ref.components_).sum(1)
    assert np.allclose(np.abs(dots), 1, atol=1e-4)
    assert np.allclose(ours.reconstruct(x).flatten(1).numpy(),
                       ref.inverse_transform(ref.transform(x.flatten(1).numpy())), atol=1e-4)


def test_pca_covariance_path_matches_svd_path_and_top(digits):
    x = digits[0]
    wide = PCA(6).fit(x[:100])  # n < 2d: SVD
    tall = PCA(6).fit(torch.cat([x[:100]] * 20))  # n > 2d: covariance eigenvectors
    assert torch.allclose(tall.explained_variance_ * (2000 - 1) / 20, wide.explained_variance_ * 99,
                          rtol=1e-6)
    cosines = (tall.components_ * wide.components_).sum(1).abs()
    assert torch.allclose(cosines, torch.ones(6, dtype=torch.float64), atol=1e-6)
    top = tall.top(3)
    assert torch.equal(top.components_, tall.components_[:3])
    assert torch.allclose(top.reconstruct(x), PCA(3).fit(torch.cat([x[:100]] * 20)).reconstruct(x),
                          atol=1e-5)
    with pytest.raises(ValueError, match="k must be in 1..6"):
        tall.top(7)


def test_pca_errors():
    with pytest.raises(ValueError, match="integer >= 1"):
        PCA(0)
    with pytest.raises(ValueError, match="exceeds"):
        PCA(10).fit(torch.rand(5, 3))
    with pytest.raises(RuntimeError, match="not fitted"):
        PCA(2).transform(torch.rand(5, 3))


def test_principal_angles_known_values():
    e = torch.eye(3)
    assert torch.allclose(metrics.principal_angles(e[:, :2], e[:, :2]), torch.zeros(2), atol=1e-3)
    # span(e1, e2) vs span(e1, (e2 + e3)/sqrt 2): angles 0 and 45 degrees, ascending
    b = torch.stack([e[:, 0], (e[:, 1] + e[:, 2]) / math.sqrt(2)], 1)
    assert torch.allclose(metrics.principal_angles(e[:, :2], b), torch.tensor([0.0, 45.0]), atol=1e-3)
    # the angle does not depend on the basis chosen for a subspace
    assert torch.allclose(metrics.principal_angles(e[:, :2] @ torch.tensor([[2.0, 1], [0, 3]]), b),
                          torch.tensor([0.0, 45.0]), atol=1e-3)
    with pytest.raises(ValueError, match="same number of rows"):
        metrics.principal_angles(torch.rand(3, 2), torch.rand(4, 2))


def test_reconstruction_error_and_psnr():
    x = torch.zeros(2, 1, 2, 2)
    y = torch.full((2, 1, 2, 2), 0.1)
    assert metrics.reconstruction_error(y, x) == pytest.approx(0.04)
    assert metrics.psnr(y, x) == pytest.approx(20.0)
    clipped = metrics.psnr(y - 0.2, x, clip=True)  # -0.1 everywhere clips to 0: the PSNR of x itself
    assert clipped == metrics.psnr(x, x) > metrics.psnr(y - 0.2, x)
    with pytest.raises(ValueError, match="must have the same shape"):
        metrics.reconstruction_error(y, torch.zeros(2, 4))


def test_retrieval_and_knn():
    database = torch.tensor([[0.0, 0], [0, 1], [10, 10], [10, 11]])
    labels = torch.tensor([0, 0, 1, 1])
    queries = torch.tensor([[0.0, 0.5], [10, 10.5]])
    assert metrics.precision_at_k(queries, torch.tensor([0, 1]), database, labels, k=2) == 1.0
    assert metrics.precision_at_k(queries, torch.tensor([1, 1]), database, labels, k=2) == 0.5
    assert metrics.precision_at_k(queries, torch.tensor([0, 1]), database, labels, k=2,
                                  metric="cosine") >= 0.5
    assert metrics.knn_accuracy(database, labels, queries, torch.tensor([0, 1]), k=3) == 1.0
    # leave-one-out: each point's nearest *other* point shares its label; with itself
    # excluded, a point whose only same-label neighbour is far away is misclassified
    assert metrics.knn_accuracy(database, labels, database, labels, k=1, exclude_self=True) == 1.0
    odd = torch.tensor([0, 1, 1, 1])
    assert metrics.knn_accuracy(database, odd, database, odd, k=1, exclude_self=True) == 0.5
    assert metrics.knn_accuracy(database, odd, database, odd, k=1) == 1.0  # itself votes
    with pytest.raises(ValueError, match="k must be an integer in 1..4"):
        metrics.precision_at_k(queries, labels[:2], database, labels, k=5)
    with pytest.raises(ValueError, match="metric"):
        metrics.precision_at_k(queries, labels[:2], database, labels, metric="manhattan")


def test_bits_per_dim():
    assert metrics.bits_per_dim(784 * math.log(2)) == pytest.approx(1.0)


def test_code_sensitivity_ignores_the_scale_of_the_codes():
    x = torch.rand(50, 1, 28, 28)
    e = 0.01 * torch.randn_like(x)
    w = torch.randn(784, 8)
    f = lambda images: images.flatten(1) @ w  # noqa: E731
    base = metrics.code_sensitivity(f(x), f(x + e), e)
    scaled = metrics.code_sensitivity(10 * f(x), 10 * f(x + e), e)
    assert base > 0 and abs(scaled - base) < 1e-4 * base
    assert metrics.code_sensitivity(f(x), f(x), e) == 0.0
    with pytest.raises(ValueError, match="same number"):
        metrics.code_sensitivity(f(x), f(x + e), e[:10])
