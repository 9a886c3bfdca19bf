"""PCA in PyTorch: the linear baseline every autoencoder in the book is compared with.

Explained in chapter 2, `chapters/02_autoencoders.ipynb` (PCA beside the linear autoencoder).
"""

from __future__ import annotations

import torch
from torch import Tensor

from . import validate


class PCA:
    """Principal component analysis by SVD of the centred data (scikit-learn's conventions).

    ``fit(X)`` with X of shape (N, ...) flattened to (N, D); fitted attributes end in ``_``:
    ``mean_`` (D,), ``components_`` (k, D) orthonormal rows, ``explained_variance_`` (k,).
    """

    def __init__(self, n_components: int):
        self.n_components = validate.positive_int(n_components, "n_components")

    def fit(self, X: Tensor) -> PCA:
        X = validate.tensor(X, "X", rank=range(2, 6), floating=False).flatten(1).double()
        n, d = X.shape
        if self.n_components > min(n, d):
            raise ValueError(f"n_components={self.n_components} exceeds min(n_samples, n_features)"
                             f" = {min(n, d)}")
        self.mean_ = X.mean(0)
        centred = X - self.mean_
        if n > 2 * d:  # many examples: eigenvectors of the D x D covariance are much cheaper
            eigenvalues, eigenvectors = torch.linalg.eigh(centred.T @ centred / (n - 1))
            self.components_ = eigenvectors.flip(1)[:, : self.n_components].T.contiguous()
            self.explained_variance_ = eigenvalues.flip(0)[: self.n_components].clamp_min(0)
        else:
            _, s, vh = torch.linalg.svd(centred, full_matrices=False)
            self.components_ = vh[: self.n_components]
            self.explained_variance_ = s[: self.n_components] ** 2 / (n - 1)
        return self

    def top(self, k: int) -> PCA:
        """The fitted PCA restricted to its first ``k`` components (no refitting)."""
        self._check_fitted()
        if not 0 < k <= self.n_components:
            raise ValueError(f"k must be in 1..{self.n_components}, got {k}")
        sub = PCA(k)
        sub.mean_, sub.components_ = self.mean_, self.components_[:k]
        sub.explained_variance_ = self.explained_variance_[:k]
        return sub

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise RuntimeError("this PCA is not fitted yet: call fit(X) first")

    def transform(self, X: Tensor) -> Tensor:
        """(N, ...) -> codes (N, k), float32."""
        self._check_fitted()
        validate.tensor(X, "X", rank=range(2, 6), floating=False)
        if X[0].numel() != len(self.mean_):
            raise ValueError(f"X must have {len(self.mean_)} features per example, like the data PCA"
                             f" was fitted on, got shape {tuple(X.shape)}")
        return ((X.flatten(1).double() - self.mean_) @ self.components_.T).float()

    def fit_transform(self, X: Tensor) -> Tensor:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: Tensor) -> Tensor:
        """Codes (N, k) -> reconstructions (N, D), float32."""
        self._check_fitted()
        return (Z.double() @ self.components_ + self.mean_).float()

    def reconstruct(self, X: Tensor) -> Tensor:
        """Project onto the top-k subspace and back; same shape as ``X``."""
        return self.inverse_transform(self.transform(X)).view_as(X)
