"""Documents as word-count vectors, for retrieval with codes (chapter 2).

``load_corpus()`` takes the first corpus that works:

1. 20 Newsgroups (``sklearn.datasets.fetch_20newsgroups``, headers, footers and quotes
   removed), if scikit-learn's data folder holds it or, unless ``AELIB_OFFLINE=1``, it can be
   downloaded (short timeout);
2. the docstrings of the scientific Python packages every install of this book carries
   (SciPy, scikit-learn, PyTorch, NumPy), one document per public function or class,
   labelled by the subpackage that defines it. Built from the source files with ``ast``
   (nothing is imported), in sorted order, so it is deterministic for a given install.

Each document becomes a vector of word counts over a vocabulary of the most frequent words
of the training documents (English stop words removed).

Explained in chapter 2b, `chapters/02b_retrieval.ipynb`.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from . import config
from .data import DOWNLOAD_TIMEOUT

DOCSTRING_TOPICS = (
    "scipy.stats", "scipy.signal", "scipy.sparse", "scipy.optimize", "scipy.interpolate",
    "scipy.spatial", "scipy.special", "scipy.linalg", "sklearn.linear_model", "sklearn.metrics",
    "sklearn.ensemble", "torch.nn", "numpy.polynomial", "numpy.ma",
)
MIN_WORDS = 40  # shorter docstrings say too little to be retrieved by topic
PER_TOPIC = 250  # at most this many documents per topic, spread evenly over its files
TEST_EVERY = 5  # every 5th document of each topic is a test query
_DISTRIBUTIONS = {"sklearn": "scikit-learn"}  # import name -> distribution name


@dataclass
class Corpus:
    """Word counts (N, V) as float tensors, integer labels, and the texts they came from."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    texts_train: list[str]
    texts_test: list[str]
    vocabulary: list[str]
    classes: list[str]
    name: str
    source: str

    def __repr__(self) -> str:
        return (f"Corpus({self.name}: {len(self.x_train)} training and {len(self.x_test)} test"
                f" documents, {len(self.classes)} labels, {len(self.vocabulary)} words; from"
                f" {self.source})")


def _docstrings(topic: str) -> list[str]:
    """Docstrings (>= MIN_WORDS words) of the public functions and classes under ``topic``."""
    top, *rest = topic.split(".")
    spec = importlib.util.find_spec(top)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return []
    base = Path(list(spec.submodule_search_locations)[0]).joinpath(*rest)
    found, seen = [], set()
    for path in sorted(base.rglob("*.py")):
        if "tests" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and not node.name.startswith("_"):
                doc = ast.get_docstring(node)
                if doc and len(doc.split()) >= MIN_WORDS and doc not in seen:
                    seen.add(doc)
                    found.append(doc)
    return found


def _package_versions(topics: tuple[str, ...]) -> dict[str, str]:
    versions = {}
    for package in sorted({t.split(".")[0] for t in topics}):
        try:
            versions[package] = importlib.metadata.version(_DISTRIBUTIONS.get(package, package))
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "missing"
    return versions


def docstring_corpus(topics: tuple[str, ...] | None = None,
                     ) -> tuple[list[str], list[int], list[str], list[int], list[str]]:
    """(train texts, train labels, test texts, test labels, topic names) from package docstrings.

    Parsing the sources takes a few seconds, so the result is kept in the data folder
    (``AELIB_DATA_DIR``), keyed by the topics and the packages' versions.
    """
    topics = DOCSTRING_TOPICS if topics is None else tuple(topics)
    key = json.dumps([topics, _package_versions(topics), MIN_WORDS, PER_TOPIC, TEST_EVERY])
    path = config.data_dir() / "text" / f"docstrings-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return tuple(stored["corpus"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing or unreadable: rebuild it
    corpus = _build_docstring_corpus(topics)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "corpus": corpus}), encoding="utf-8")
    os.replace(tmp, path)
    return tuple(corpus)


def _build_docstring_corpus(topics: tuple[str, ...]):
    train_texts, train_labels, test_texts, test_labels, classes = [], [], [], [], []
    for topic in topics:
        docs = _docstrings(topic)
        if len(docs) < 2 * TEST_EVERY:
            continue  # package missing or too small in this install
        label = len(classes)
        classes.append(topic)
        keep = np.linspace(0, len(docs) - 1, min(PER_TOPIC, len(docs))).round().astype(int)
        for i, doc_index in enumerate(keep):
            texts, labels = (test_texts, test_labels) if i % TEST_EVERY == 0 else (train_texts, train_labels)
            texts.append(docs[doc_index])
            labels.append(label)
    if len(classes) < 2:
        raise RuntimeError("found fewer than two documented packages among"
                           f" {', '.join(topics)}; install scipy and scikit-learn (make install)")
    return [train_texts, train_labels, test_texts, test_labels, classes]


def _newsgroups(offline: bool, timeout: float = DOWNLOAD_TIMEOUT):
    from sklearn.datasets import fetch_20newsgroups

    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        parts = [fetch_20newsgroups(subset=subset, remove=("headers", "footers", "quotes"),
                                    download_if_missing=not offline) for subset in ("train", "test")]
    except Exception:  # not cached and no network: use the fallback
        return None
    finally:
        socket.setdefaulttimeout(old_timeout)
    (train, test) = parts
    return (list(train.data), list(train.target), list(test.data), list(test.target),
            list(train.target_names))


def load_corpus(name: str | None = None, *, vocabulary_size: int = 2000) -> Corpus:
    """A labelled text corpus as word counts: ``"20newsgroups"``, ``"docstrings"``, or None
    (the first available, in that order)."""
    if name not in (None, "20newsgroups", "docstrings"):
        raise ValueError(f"unknown corpus {name!r}; use '20newsgroups', 'docstrings' or None")
    if not isinstance(vocabulary_size, int) or vocabulary_size < 2:
        raise ValueError(f"vocabulary_size must be an integer >= 2, got {vocabulary_size!r}")
    offline = config.offline()
    parts, source = None, ""
    if name in (None, "20newsgroups"):
        parts = _newsgroups(offline)
        source = "scikit-learn's 20 Newsgroups (by date split)"
        if parts is None and name == "20newsgroups":
            raise RuntimeError("20 Newsgroups is not in scikit-learn's data folder and could not"
                               " be downloaded; connect once, or use load_corpus('docstrings')")
    if parts is None:
        parts = docstring_corpus()
        source = "docstrings of the installed " + ", ".join(
            sorted({t.split(".")[0] for t in DOCSTRING_TOPICS}))
    train_texts, train_labels, test_texts, test_labels, classes = parts

    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z]{2,}\b",
                                 max_features=vocabulary_size, min_df=2)
    counts_train = vectorizer.fit_transform(train_texts)
    counts_test = vectorizer.transform(test_texts)
    as_tensor = lambda m: torch.from_numpy(m.toarray().astype(np.float32))  # noqa: E731
    return Corpus(as_tensor(counts_train), torch.tensor(train_labels), as_tensor(counts_test),
                  torch.tensor(test_labels), train_texts, test_texts,
                  list(vectorizer.get_feature_names_out()), classes,
                  "20newsgroups" if "Newsgroups" in source else "docstrings", source)
