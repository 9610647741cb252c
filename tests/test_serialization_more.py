"""gg.save / gg.load: whole-model saves and file objects (io.BytesIO, open binary files)."""

import io
import json
import os
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, serialization
from torch_ref import torch


def _model():
    gg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def _header(data):
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + size])


def test_whole_model_save_stores_the_state_dict_and_a_note(tmp_path):
    from safetensors.numpy import load_file

    m = _model()
    p = tmp_path / "model.safetensors"
    gg.save(m, p)
    meta = _header(p.read_bytes())["__metadata__"]
    note = meta[serialization._NOTE_KEY]
    assert "Sequential" in note and "only the weights" in note and "load_state_dict" in note
    assert json.loads(meta[serialization._META_KEY])["module"].endswith(".Sequential")
    # torch's keys, as for gg.save(model.state_dict(), p)
    assert sorted(load_file(str(p))) == sorted(m.state_dict())

    with pytest.warns(UserWarning, match=r"whole-model save of .*Sequential.*load_state_dict"):
        sd = gg.load(p)
    assert list(sd) == list(m.state_dict())
    for k, v in m.state_dict().items():
        assert isinstance(sd[k], gg.Tensor)
        np.testing.assert_array_equal(sd[k].data, v.data)
        assert sd[k].dtype == v.dtype

    gg.manual_seed(1)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    assert not np.array_equal(fresh[0].weight.data, m[0].weight.data)
    fresh.load_state_dict(sd)
    x = gg.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    m.eval()
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).data, m(x).data)


def test_a_state_dict_save_does_not_warn(tmp_path):
    p = tmp_path / "sd.safetensors"
    gg.save(_model().state_dict(), p)
    assert serialization._NOTE_KEY not in _header(p.read_bytes()).get("__metadata__", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gg.load(p)


def test_whole_model_file_loads_into_torch():
    if torch is None:
        pytest.skip("torch is not installed")
    from safetensors.torch import load

    m = _model()
    buf = io.BytesIO()
    gg.save(m, buf)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                             torch.nn.Linear(4, 2))
    tm.load_state_dict(load(buf.getvalue()), strict=True)
    np.testing.assert_array_equal(tm[3].bias.detach().numpy(), m[3].bias.data)


def test_bytesio_round_trip_of_a_nested_checkpoint():
    obj = {"model": {"w": gg.ones(2, 3), "n": gg.tensor(7)}, "epoch": 4,
           "betas": (0.9, 0.999), "mask": np.array([True, False])}
    buf = io.BytesIO()
    gg.save(obj, buf)
    assert not buf.closed
    buf.seek(0)
    back = gg.load(buf)
    assert not buf.closed
    np.testing.assert_array_equal(back["model"]["w"].data, np.ones((2, 3), np.float32))
    assert back["model"]["n"].item() == 7 and back["model"]["n"].shape == ()
    assert back["epoch"] == 4 and back["betas"] == (0.9, 0.999)
    assert back["mask"].dtype == bool


def test_file_objects_read_and_write_at_their_position(tmp_path):
    p = tmp_path / "ckpt.bin"
    with open(p, "wb") as f:
        f.write(b"HEAD")
        gg.save({"w": gg.arange(4.0)}, f)
    with open(p, "rb") as f:
        assert f.read(4) == b"HEAD"
        back = gg.load(f)
    np.testing.assert_array_equal(back["w"].data, np.arange(4.0, dtype=np.float32))
    # the bytes written to a file object equal those written to a path
    q = tmp_path / "ckpt.safetensors"
    gg.save({"w": gg.arange(4.0)}, q)
    assert p.read_bytes()[4:] == q.read_bytes()


def test_an_open_file_and_a_path_load_alike(tmp_path):
    p = tmp_path / "m.safetensors"
    m = _model()
    gg.save(m, p)
    with open(p, "rb") as f, pytest.warns(UserWarning, match="load_state_dict"):
        a = gg.load(f)
    with pytest.warns(UserWarning, match="load_state_dict"):
        b = gg.load(p)
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k].data, b[k].data)


def test_text_mode_files_are_refused_with_a_hint(tmp_path):
    p = tmp_path / "x.safetensors"
    with open(p, "w") as f, pytest.raises(TypeError, match="binary mode"):
        gg.save({"w": gg.ones(2)}, f)
    gg.save({"w": gg.ones(2)}, p)
    with open(p) as f, pytest.raises(TypeError, match="binary mode"):
        gg.load(f)


def test_garbage_in_a_file_object_names_it(tmp_path):
    with pytest.raises(serialization.CheckpointError, match="BytesIO"):
        gg.load(io.BytesIO(b"\x00garbage" * 10))
    buf = io.BytesIO()
    gg.save({"w": gg.ones(100)}, buf)
    p = tmp_path / "cut.safetensors"
    with open(p, "wb") as f:
        f.write(buf.getvalue()[:300])
    with open(p, "rb") as f, pytest.raises(serialization.CheckpointError, match="cut.safetensors"):
        gg.load(f)


def test_path_saves_stay_atomic_for_whole_models(tmp_path, monkeypatch):
    p = tmp_path / "m.safetensors"
    gg.save(_model(), p)
    before = p.read_bytes()

    def boom(arrays, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt("power cut")

    import safetensors.numpy

    monkeypatch.setattr(safetensors.numpy, "save_file", boom)
    with pytest.raises(KeyboardInterrupt):
        gg.save(_model(), p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_a_module_inside_a_checkpoint_is_still_refused(tmp_path):
    # only a top-level Module is a whole-model save; nested ones should be state_dicts
    with pytest.raises(TypeError, match="model"):
        gg.save({"model": _model()}, tmp_path / "x.safetensors")
