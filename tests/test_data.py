import gzip
import shutil

import pytest
import torch

from aelib import config, data


def test_offline_load_uses_vendored_subset(offline):
    s = data.load()
    assert s.subset and s.key == "mnist-10k" and "offline subset" in s.source
    assert s.title == "MNIST (the offline subset)"
    assert (len(s.x_train), len(s.x_val), len(s.x_test)) == (7200, 800, 2000)
    for x, y in [(s.x_train, s.y_train), (s.x_val, s.y_val), (s.x_test, s.y_test)]:
        assert x.dtype == torch.float32 and x.shape[1:] == (1, 28, 28) and len(x) == len(y)
        assert y.dtype == torch.int64 and 0 <= x.min() and x.max() <= 1
    assert s.y_test[:3].tolist() == [5, 9, 7] or len(set(s.y_train.tolist())) == 10
    assert config._current_data == "mnist-10k"


def test_split_is_deterministic_and_disjoint(offline):
    a, b = data.load("mnist"), data.load("MNIST ")
    assert torch.equal(a.x_val, b.x_val) and torch.equal(a.y_test, b.y_test)
    # the training, validation and test digits are different images
    assert not torch.equal(a.x_train[-1], a.x_val[0]) and not torch.equal(a.x_val[-1], a.x_test[0])


def test_unknown_name_lists_known_ones(offline):
    with pytest.raises(ValueError, match="unknown data set 'nope'; known: mnist, fashion-mnist"):
        data.load("nope")


def test_fashion_offline_without_copies_says_what_to_do(offline):
    with pytest.raises(data.DataError, match="dataset-fashion-mnist"):
        data.load("fashion-mnist")


def _copy_vendored(tmp_path, monkeypatch):
    folder = tmp_path / "vendored"
    shutil.copytree(data.VENDORED_DIR, folder)
    monkeypatch.setattr(data, "VENDORED_DIR", folder)
    return folder


def test_truncated_vendored_file_is_reported(offline, tmp_path, monkeypatch):
    folder = _copy_vendored(tmp_path, monkeypatch)
    images = folder / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:5000])
    with pytest.raises(data.DataError, match="t10k-images-idx3-ubyte.gz is truncated") as err:
        data.load()
    assert "reinstall aelib" in str(err.value)


def test_corrupt_contents_report_checksums(offline, tmp_path, monkeypatch):
    folder = _copy_vendored(tmp_path, monkeypatch)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[100] = (raw[100] + 1) % 10
    labels.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(data.DataError, match="is corrupt: sha256 of its contents is .* expected ff7bcf"):
        data.load()


def test_cached_files_that_do_not_match_are_rejected(offline, monkeypatch):
    raw = data._torchvision_raw("mnist")
    raw.mkdir(parents=True)
    for split in ("train", "t10k"):  # the test files under the training names: wrong md5
        for kind in ("images-idx3", "labels-idx1"):
            shutil.copy(data.VENDORED_DIR / f"t10k-{kind}-ubyte.gz", raw / f"{split}-{kind}-ubyte.gz")
    with pytest.raises(data.DataError, match=r"train-images-idx3-ubyte.gz is corrupt: sha256 .*delete"):
        data.load()


def test_binarize_static_and_threshold(digits):
    x, _ = digits
    a, b = data.binarize(x, seed=1), data.binarize(x, seed=1)
    assert torch.equal(a, b) and set(a.unique().tolist()) <= {0.0, 1.0}
    assert abs(a.mean() - x.mean()) < 0.01
    assert torch.equal(data.binarize(x, threshold=0.5), (x > 0.5).float())
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        data.binarize(x * 2)


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt-pepper"])
def test_corrupt_kinds(digits, kind):
    x, _ = digits
    noisy = data.corrupt(x, kind, 0.3)
    assert noisy.shape == x.shape and 0 <= noisy.min() and noisy.max() <= 1
    assert not torch.equal(noisy, x)


def test_corrupt_rejects_unknown_kind_and_bad_input(digits):
    with pytest.raises(ValueError, match="kind must be one of .*; got 'blur'"):
        data.corrupt(digits[0], "blur")
    with pytest.raises(ValueError, match="x is empty"):
        data.corrupt(torch.empty(0, 1, 28, 28))
    with pytest.raises(TypeError, match="torch.Tensor"):
        data.corrupt([[0.0]])


def test_random_shift_moves_each_image_by_at_most_max_shift():
    x = torch.zeros(500, 1, 28, 28)
    x[:, 0, 14, 14] = 1.0
    shifted = data.random_shift(x, 2)
    assert shifted.shape == x.shape and torch.equal(shifted.sum((1, 2, 3)), x.sum((1, 2, 3)))
    rows, cols = shifted[:, 0].nonzero()[:, 1:].T
    assert set(rows.tolist()) == set(range(12, 17)) and set(cols.tolist()) == set(range(12, 17))
    assert torch.equal(data.augment(0)(x), x)


def test_a_silent_network_costs_seconds_not_minutes(offline, monkeypatch):
    """No AELIB_OFFLINE and a network that swallows every connection: the download gives up
    after a few seconds and the vendored digits are used."""
    import socket
    import time

    monkeypatch.delenv("AELIB_OFFLINE")
    fake_address = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: fake_address)

    def black_hole(sock, address):
        time.sleep(socket.getdefaulttimeout() or 60)  # a dropped SYN: wait for the timeout
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket.socket, "connect", black_hole)
    start = time.perf_counter()
    splits = data.load("mnist")
    assert splits.subset and time.perf_counter() - start < 20
    assert data.DOWNLOAD_TIMEOUT <= 3
