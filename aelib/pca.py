"""PCA in PyTorch: the linear baseline every autoencoder in the book is compared with."""

from __future__ import annotations

import torch
from torch import Tensor


class PCA:
    """Principal component analysis by SVD of the centred data (scikit-learn's conventions).

    ``fit(X)`` with X of shape (N, ...) flattened to (N, D); fitted attributes end in ``_``:
    ``mean_`` (D,), ``components_`` (k, D) orthonormal rows, ``explained_variance_`` (k,).
    """

    def __init__(self, n_components: int):
        if not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"n_components must be a positive integer, got {n_components!r}")
        self.n_components = n_components

    def fit(self, X: Tensor) -> PCA:
        X = X.flatten(1).double()
        n, d = X.shape
        if self.n_components > min(n, d):
            raise ValueError(f"n_components={self.n_components} exceeds min(n_samples, n_features)"
                             f" = {min(n, d)}")
        self.mean_ = X.mean(0)
        _, s, vh = torch.linalg.svd(X - self.mean_, full_matrices=False)
        self.components_ = vh[: self.n_components]
        self.explained_variance_ = s[: self.n_components] ** 2 / (n - 1)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise RuntimeError("this PCA is not fitted yet: call fit(X) first")

    def transform(self, X: Tensor) -> Tensor:
        """(N, ...) -> codes (N, k), float32."""
        self._check_fitted()
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
