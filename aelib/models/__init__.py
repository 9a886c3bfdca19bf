"""Pure ``nn.Module`` models, each following the contract written in ``base``: ``loss(x)`` (its
training objective, a batch mean); autoencoders add ``encode`` (codes (N, code_size)),
``decode``, ``forward`` (reconstruction) and ``code_size``; density models add ``nll(x)`` (nats
per example) and ``sample(n)``; the ``Classifier`` trains on ``loss(x, y)``. Every class is
constructible with no arguments (defaults suit 28x28 MNIST)."""

from .adversarial import AdversarialAutoencoder, sample_prior
from .autoencoder import Autoencoder, LinearAutoencoder, init_weights
from .autoregressive import IndependentPixels, PixelCNN, RowLSTM
from .base import CodeModel, DensityModel, Trainable, mlp
from .classifier import Classifier
from .conv import ConvAutoencoder, ConvLayerAutoencoder
from .document import DocumentAutoencoder
from .made import MADE, MADEVAE
from .robust import ContractiveAutoencoder, DenoisingAutoencoder, jacobian_norm2
from .sparse import SparseAutoencoder, bernoulli_kl
from .stacked import LayerAutoencoder, StackedAutoencoder
from .vae import VAE
from .wta import KSparseAutoencoder, WTAAutoencoder, keep_top_k

__all__ = ["AdversarialAutoencoder", "Autoencoder", "Classifier", "CodeModel", "ContractiveAutoencoder",
           "ConvAutoencoder", "ConvLayerAutoencoder", "DenoisingAutoencoder", "DensityModel",
           "DocumentAutoencoder", "IndependentPixels", "KSparseAutoencoder", "LayerAutoencoder",
           "LinearAutoencoder", "MADE", "MADEVAE", "PixelCNN", "RowLSTM", "SparseAutoencoder",
           "StackedAutoencoder", "Trainable", "VAE", "WTAAutoencoder", "bernoulli_kl", "init_weights",
           "jacobian_norm2", "keep_top_k", "mlp", "sample_prior"]
