import pytest
import torch

from aelib import cache, models
from aelib.train import History


@pytest.fixture
def cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("AELIB_CACHE_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


def _trainer(calls):
    def train(model):
        calls.append(1)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        return History(epoch=[1], step=[3], train_loss=[0.5], seconds=[0.1], lr=[1e-3],
                       step_loss=[1, 0.7, 0.5])
    return train


def _build():
    return models.Autoencoder((784, 8, 2))


def test_a_second_call_loads_what_the_first_trained(cache_dir):
    calls = []
    cfg = {"dims": [784, 8, 2], "data": "abc"}
    first, history = cache.load_or_train("toy", _build, _trainer(calls), cfg)
    second, loaded_history = cache.load_or_train("toy", _build, _trainer(calls), cfg)
    assert len(calls) == 1
    for a, b in zip(first.state_dict().values(), second.state_dict().values()):
        torch.testing.assert_close(a, b)
    assert loaded_history == history
    assert [p.name for p in cache_dir.iterdir()] == [cache.entry_path("toy", cfg).name]  # no temp files


def test_another_configuration_or_retrain_trains_again(cache_dir):
    calls = []
    cache.load_or_train("toy", _build, _trainer(calls), {"data": "a"})
    cache.load_or_train("toy", _build, _trainer(calls), {"data": "b"})
    cache.load_or_train("toy", _build, _trainer(calls), {"data": "a"}, retrain=True)
    assert len(calls) == 3


def test_a_corrupt_entry_is_reported_and_retrained(cache_dir, capsys):
    calls, cfg = [], {"data": "a"}
    cache.load_or_train("toy", _build, _trainer(calls), cfg)
    path = cache.entry_path("toy", cfg)
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(cache.CacheError, match="unreadable"):
        cache.load(_build(), "toy", cfg)
    cache.load_or_train("toy", _build, _trainer(calls), cfg)
    assert len(calls) == 2 and "retraining" in capsys.readouterr().out
    cache.load(_build(), "toy", cfg)  # the rewritten entry is good


class Payload:  # a pickled object a weights-only load must refuse
    pass


def test_pickled_objects_stale_configs_and_wrong_shapes_are_refused(cache_dir):
    cfg = {"data": "a"}
    path = cache.entry_path("toy", cfg)
    path.parent.mkdir(parents=True)
    torch.save({"config": "x", "state_dict": {}, "history": Payload()}, path)
    with pytest.raises(cache.CacheError, match="weights-only"):
        cache.load(_build(), "toy", cfg)
    torch.save({"config": "another", "state_dict": {}, "history": None}, path)
    with pytest.raises(cache.CacheError, match="another configuration"):
        cache.load(_build(), "toy", cfg)
    cache.save(models.Autoencoder((784, 9, 2)), None, "toy", cfg)
    with pytest.raises(cache.CacheError, match="does not fit"):
        cache.load(_build(), "toy", cfg)
    with pytest.raises(FileNotFoundError):
        cache.load(_build(), "toy", {"data": "missing"})


def test_fingerprint_depends_on_content_and_shape():
    x = torch.zeros(4, 3)
    assert cache.fingerprint(x) == cache.fingerprint(torch.zeros(4, 3))
    assert cache.fingerprint(x) != cache.fingerprint(torch.zeros(3, 4))
    y = x.clone()
    y[2, 1] = 1e-6
    assert cache.fingerprint(x) != cache.fingerprint(y)
