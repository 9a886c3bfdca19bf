import pytest
import torch

from aelib import text

SMALL = ("scipy.special", "numpy.ma", "sklearn.metrics")


def test_docstring_corpus_is_deterministic_labelled_and_kept(offline, monkeypatch):
    first = text._build_docstring_corpus(SMALL)
    assert text._build_docstring_corpus(SMALL) == first
    assert text.docstring_corpus(SMALL) == tuple(first)  # built, then stored in the data folder
    monkeypatch.setattr(text, "_build_docstring_corpus", None)  # a rebuild would fail
    assert text.docstring_corpus(SMALL) == tuple(first)
    stored = next((offline / "cache" / "text").glob("docstrings-*.json"))
    stored.write_text("{not json")
    monkeypatch.undo()
    assert text.docstring_corpus(SMALL) == tuple(first)  # unreadable: rebuilt
    train_texts, train_labels, test_texts, test_labels, classes = first
    assert classes == list(SMALL)
    assert len(train_texts) == len(train_labels) and len(test_texts) == len(test_labels)
    assert set(train_labels) == set(test_labels) == {0, 1, 2}
    assert all(len(t.split()) >= text.MIN_WORDS for t in train_texts + test_texts)
    assert not set(train_texts) & set(test_texts)


def test_load_corpus_falls_back_to_docstrings_offline(offline, monkeypatch):
    monkeypatch.setattr(text, "DOCSTRING_TOPICS", SMALL)
    monkeypatch.setattr(text, "_newsgroups", lambda offline: None)
    corpus = text.load_corpus(vocabulary_size=300)
    assert corpus.name == "docstrings" and corpus.classes == list(SMALL)
    assert corpus.x_train.shape == (len(corpus.texts_train), 300)
    assert corpus.x_test.shape[1] == 300 and corpus.x_train.dtype == torch.float32
    assert (corpus.x_train >= 0).all() and corpus.x_train.sum() > 0
    assert len(corpus.vocabulary) == 300 and "docstrings" in repr(corpus)


def test_load_corpus_uses_newsgroups_when_present(monkeypatch):
    fake = (["space shuttle orbit launch", "orbit of the moon launch"], [0, 0],
            ["hockey game goal", "goal in the game"], [1, 1], ["sci.space", "rec.sport.hockey"])
    monkeypatch.setattr(text, "_newsgroups", lambda offline: fake)
    corpus = text.load_corpus()
    assert corpus.name == "20newsgroups" and corpus.classes == ["sci.space", "rec.sport.hockey"]


def test_load_corpus_rejects_bad_arguments(monkeypatch):
    with pytest.raises(ValueError, match="unknown corpus"):
        text.load_corpus("wikipedia")
    with pytest.raises(ValueError, match="vocabulary_size"):
        text.load_corpus(vocabulary_size=0)
    monkeypatch.setattr(text, "_newsgroups", lambda offline: None)
    with pytest.raises(RuntimeError, match="docstrings"):
        text.load_corpus("20newsgroups")
