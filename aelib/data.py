"""MNIST and Fashion-MNIST as whole tensors, offline first, every file checksummed.

``load(name)`` tries, in order, and takes the first that works:

1. a torchvision data root that already holds the files (``AELIB_DATA_DIR``,
   default ``~/.cache/aelib``, layout ``<root>/MNIST/raw/*.gz``);
2. a torchvision download into that root, unless ``AELIB_OFFLINE=1`` (short timeout);
3. system copies, e.g. Debian's ``dataset-fashion-mnist`` in ``/usr/share/datasets``;
4. for MNIST only, the 10,000 test digits vendored in ``aelib/datasets/mnist``: the first
   8,000 are the training split, the last 2,000 the test split.

The validation split is the last 10% of the training split (deterministic).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from . import config, validate

VENDORED_DIR = Path(__file__).parent / "datasets" / "mnist"
VAL_FRACTION = 0.1
VENDORED_TRAIN = 8000

# md5 of the .gz files as torchvision downloads them
_GZ_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}
# sha256 of the decompressed bytes, for copies that were re-gzipped (e.g. Debian's, or the
# full MNIST training set the project keeps for offline full-size runs)
_RAW_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
_TORCHVISION = {"mnist": ("MNIST", "MNIST"), "fashion-mnist": ("FashionMNIST", "FashionMNIST")}
_SYSTEM_DIRS = {
    "mnist": ["/usr/share/datasets/mnist"],
    "fashion-mnist": ["/usr/share/datasets/fashion-mnist"],
}
CLASSES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
}
DATASETS = tuple(_TORCHVISION)
_FILES = {split: (f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz")
          for split in ("train", "t10k")}


class DataError(RuntimeError):
    """A data file is missing, truncated or corrupt; the message says which and what to do."""


@dataclass
class Splits:
    """Images float32 in [0, 1] of shape (N, 1, 28, 28); labels int64 of shape (N,)."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_test: Tensor
    y_test: Tensor
    name: str
    source: str
    subset: bool = False  # True for the 10k vendored fallback

    @property
    def key(self) -> str:
        """Data-set key used by ``aelib.check`` thresholds: ``mnist``, ``mnist-10k``, ..."""
        return f"{self.name}-10k" if self.subset else self.name

    @property
    def classes(self) -> list[str]:
        return CLASSES[self.name]

    @property
    def title(self) -> str:
        """The data set as the text names it: ``"MNIST (the offline subset)"``, ``"Fashion-MNIST"``."""
        title = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}.get(self.name, self.name)
        return f"{title} (the offline subset)" if self.subset else title

    def __repr__(self) -> str:
        return (f"Splits({self.name}: train {len(self.x_train)}, val {len(self.x_val)},"
                f" test {len(self.x_test)}; {self.source})")


# ----------------------------------------------------------------------------- reading


def _verify(path: Path, dataset: str) -> bytes:
    """Return the decompressed bytes of ``path`` after checking its checksum."""
    md5, sha256 = _GZ_MD5[dataset].get(path.name), _RAW_SHA256[dataset].get(path.name)
    raw_file = path.read_bytes()
    fix = (f"delete {path} and run again (it will be re-downloaded or a fallback used)"
           if path.parent != VENDORED_DIR else "reinstall aelib (e.g. `git checkout aelib/datasets`)")
    if hashlib.md5(raw_file).hexdigest() == md5:
        return gzip.decompress(raw_file)
    try:
        data = gzip.decompress(raw_file)
    except (OSError, EOFError) as err:
        raise DataError(f"{path} is truncated or not a gzip file ({err}); {fix}") from None
    got = hashlib.sha256(data).hexdigest()
    if sha256 is None:
        raise DataError(f"{path} does not match the md5 {md5} of the official file; {fix}")
    if got != sha256:
        raise DataError(f"{path} is corrupt: sha256 of its contents is {got}, expected {sha256};"
                        f" {fix}")
    return data


def _parse_idx(data: bytes, path: Path) -> np.ndarray:
    magic = int.from_bytes(data[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim not in (1, 3):
        raise DataError(f"{path} is not an IDX file of unsigned bytes (magic {magic:#x})")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise DataError(f"{path} holds {body.size} values, its header says {shape}")
    return body.reshape(shape)


def _read_split(directory: Path, dataset: str, split: str) -> tuple[Tensor, Tensor]:
    images_file, labels_file = (directory / f for f in _FILES[split])
    images = _parse_idx(_verify(images_file, dataset), images_file)
    labels = _parse_idx(_verify(labels_file, dataset), labels_file)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def _has_files(directory: Path, splits=("train", "t10k")) -> bool:
    return all((directory / f).is_file() for s in splits for f in _FILES[s])


def _torchvision_raw(dataset: str) -> Path:
    return config.data_dir() / _TORCHVISION[dataset][0] / "raw"


DOWNLOAD_TIMEOUT = 3.0  # seconds any one socket operation may wait: a dead network costs seconds


def _download(dataset: str, timeout: float = DOWNLOAD_TIMEOUT) -> bool:
    """Download with torchvision into a temporary folder, verify, then move into place."""
    try:
        import torchvision.datasets as tvd
    except ImportError:
        return False
    target = _torchvision_raw(dataset)
    target.parent.parent.mkdir(parents=True, exist_ok=True)
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent.parent, prefix=".download-") as tmp:
            getattr(tvd, _TORCHVISION[dataset][1])(tmp, train=True, download=True)
            getattr(tvd, _TORCHVISION[dataset][1])(tmp, train=False, download=True)
            fetched = Path(tmp) / _TORCHVISION[dataset][0] / "raw"
            for split in ("train", "t10k"):
                for name in _FILES[split]:
                    _verify(fetched / name, dataset)
            target.mkdir(parents=True, exist_ok=True)
            for split in ("train", "t10k"):
                for name in _FILES[split]:
                    shutil.move(str(fetched / name), target / name)
        return True
    except Exception as err:  # any network failure means: use a fallback
        print(f"aelib.data: download of {dataset} failed ({type(err).__name__}); using a fallback")
        return False
    finally:
        socket.setdefaulttimeout(old_timeout)


def _carve_validation(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    n_val = int(round(len(x) * VAL_FRACTION))
    return x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]


def load(name: str | None = None) -> Splits:
    """Load ``"mnist"`` or ``"fashion-mnist"`` (default: ``AELIB_DATASET``, else MNIST).

    Returns :class:`Splits` on the CPU; see the module docstring for where data comes from.
    """
    name = (name or config.dataset()).strip().lower()
    if name not in _TORCHVISION:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}"
                         " (set AELIB_DATASET or pass one of these)")
    offline = config.offline()
    full_dir, source = None, None
    cached = _torchvision_raw(name)
    if _has_files(cached):
        full_dir, source = cached, f"full {name} from {cached}"
    elif not offline and _download(name):
        full_dir, source = cached, f"full {name}, downloaded to {cached}"
    else:
        for d in map(Path, _SYSTEM_DIRS[name]):
            if _has_files(d):
                full_dir, source = d, f"full {name} from the system copy in {d}"
                break
    if full_dir is not None:
        x_tr, y_tr = _read_split(full_dir, name, "train")
        x_test, y_test = _read_split(full_dir, name, "t10k")
        subset = False
    elif name == "mnist":
        x, y = _read_split(VENDORED_DIR, name, "t10k")
        x_tr, y_tr, x_test, y_test = (x[:VENDORED_TRAIN], y[:VENDORED_TRAIN],
                                      x[VENDORED_TRAIN:], y[VENDORED_TRAIN:])
        source = ("offline subset: the 10k MNIST test digits vendored with aelib, first 8,000 as"
                  " training data, last 2,000 as test data (full MNIST: allow one download,"
                  " or put the torchvision files in " + str(cached) + ")")
        subset = True
    else:
        raise DataError(f"{name} is not available offline: install Debian's dataset-fashion-mnist,"
                        f" put the torchvision files in {cached}, or unset AELIB_OFFLINE")
    x_train, y_train, x_val, y_val = _carve_validation(x_tr, y_tr)
    splits = Splits(x_train, y_train, x_val, y_val, x_test, y_test, name, source, subset)
    config.set_current_data(splits.key)
    return splits


# ----------------------------------------------------------------------------- transforms


def _check_images(x: Tensor, *, unit: bool = False, rank: tuple[int, ...] = (2, 3, 4)) -> None:
    validate.tensor(x, "x", rank=rank, unit=unit, why=" (pixel intensities)")


def binarize(x: Tensor, *, seed: int | None = 0, threshold: float | None = None) -> Tensor:
    """Binary images: Bernoulli(x) with a fixed seed (static binarization), or ``x > threshold``.

    Same shape as ``x``; float32 values in {0, 1}.
    """
    _check_images(x, unit=threshold is None)
    if threshold is not None:
        validate.number(threshold, "threshold")
        return (x > threshold).float()
    gen = torch.Generator(device="cpu")
    if seed is not None:
        gen.manual_seed(seed)
    return torch.bernoulli(x.cpu(), generator=gen).to(x.device)


CORRUPTIONS = ("gaussian", "masking", "salt-pepper")


def check_corruption(kind: str, level: float) -> float:
    """The one rule for a corruption and its level, kept by ``corrupt`` and by
    ``models.DenoisingAutoencoder``: a known kind, a level >= 0, and below 1 for masking and
    salt-pepper (the fraction of pixels replaced: at 1 nothing of the image is left)."""
    validate.choice(kind, "kind", CORRUPTIONS)
    level = validate.number(level, "level", minimum=0)
    if kind != "gaussian" and level >= 1:
        raise ValueError(f"level must be in [0, 1) for {kind!r} (the fraction of pixels replaced;"
                         f" at 1 nothing of the image is left), got {level}")
    return level


def corrupt(x: Tensor, kind: str = "gaussian", level: float = 0.3, *,
            generator: torch.Generator | None = None) -> Tensor:
    """Noisy copy of ``x`` for denoising: ``gaussian`` (std ``level``, clipped to [0, 1]),
    ``masking`` (a fraction ``level`` of pixels set to 0), or ``salt-pepper``."""
    _check_images(x)
    check_corruption(kind, level)
    rand = torch.rand(x.shape, generator=generator, device="cpu").to(x.device)
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, device="cpu").to(x.device)
        return (x + level * noise).clamp(0, 1)
    if kind == "masking":
        return x * (rand >= level)
    salt = torch.rand(x.shape, generator=generator, device="cpu").to(x.device) < 0.5  # salt-pepper
    return torch.where(rand < level, salt.to(x.dtype), x)


def random_shift(x: Tensor, max_shift: int = 2) -> Tensor:
    """Shift each image by up to ``max_shift`` pixels in each direction (zero fill). (N,C,H,W)."""
    _check_images(x, rank=(4,))
    m = validate.positive_int(max_shift, "max_shift", minimum=0)
    if m == 0:
        return x
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (m, m, m, m))
    dy = torch.randint(0, 2 * m + 1, (n,), device=x.device)
    dx = torch.randint(0, 2 * m + 1, (n,), device=x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # (N,1,H,1)
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # (N,1,1,W)
    idx = torch.arange(n, device=x.device)[:, None, None, None]
    return padded[idx, torch.arange(x.shape[1], device=x.device)[None, :, None, None], rows, cols]


def labelled_subset(y: Tensor, per_class: int, *, seed: int = 0) -> Tensor:
    """Indices (per_class * classes,) of a random class-balanced subset of the labels y (N,):
    ``per_class`` examples of every class, drawn with ``seed``."""
    validate.positive_int(per_class, "per_class")
    validate.labels(y, "y")
    gen = torch.Generator().manual_seed(seed)
    chosen = []
    for c in torch.unique(y).tolist():
        members = torch.nonzero(y == c).flatten()
        if len(members) < per_class:
            raise ValueError(f"class {c} has only {len(members)} examples, fewer than per_class="
                             f"{per_class}")
        chosen.append(members[torch.randperm(len(members), generator=gen)[:per_class]])
    return torch.cat(chosen)


def augment(max_shift: int = 2):
    """An ``augment`` callable for ``aelib.train.fit``: random shifts of up to ``max_shift``."""
    def shift(batch: Tensor) -> Tensor:
        return random_shift(batch, max_shift)
    return shift
