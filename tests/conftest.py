import matplotlib
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _seed_and_cpu(monkeypatch):
    torch.manual_seed(0)
    import aelib.config

    monkeypatch.setattr(aelib.config, "DEVICE", torch.device("cpu"))


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, an empty data cache, no system copies: only the vendored MNIST is found."""
    import aelib.data

    monkeypatch.setenv("AELIB_OFFLINE", "1")
    monkeypatch.setenv("AELIB_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AELIB_DATASET", raising=False)
    monkeypatch.setattr(aelib.data, "_SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    return tmp_path


@pytest.fixture
def digits():
    """256 real MNIST digits (N, 1, 28, 28) from the vendored file, with labels."""
    import aelib.data

    x, y = aelib.data._read_split(aelib.data.VENDORED_DIR, "mnist", "t10k")
    return x[:256], y[:256]
