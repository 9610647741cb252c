"""gg.save / gg.load: safetensors checkpoints, atomic writes, and no code on load."""

import os
import pickle

import numpy as np
import pytest

import glassgrad as gg
from checkpoint_helpers import PicklePayload
from glassgrad import serialization
from torch_ref import torch


def test_nested_round_trip_keeps_types_and_values(tmp_path):
    rng = np.random.default_rng(0)
    obj = {
        "model": {"0.weight": gg.tensor(rng.standard_normal((3, 2)).astype(np.float32)),
                  "1.running_mean": gg.zeros(3, dtype=gg.float64),
                  "1.num_batches_tracked": gg.tensor(7)},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": rng.standard_normal(4)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                        "amsgrad": False, "foreach": None}]},
        "epoch": 5, "name": "mlp", "loss": 0.123456789012345678, "flags": [True, None],
        "rng": gg.get_rng_state(),
        "mask": np.array([True, False]), "scalar": np.float32(2.5),
    }
    p = tmp_path / "ckpt.safetensors"
    gg.save(obj, p)
    back = gg.load(p)
    assert isinstance(back["model"]["0.weight"], gg.Tensor)
    np.testing.assert_array_equal(back["model"]["0.weight"].data, obj["model"]["0.weight"].data)
    assert back["model"]["0.weight"].dtype == gg.float32
    assert back["model"]["1.running_mean"].dtype == gg.float64
    assert back["model"]["1.num_batches_tracked"].item() == 7
    assert back["model"]["1.num_batches_tracked"].shape == ()  # 0-d stays 0-d
    assert list(back["optimizer"]["state"]) == [0]  # int keys stay ints
    assert back["optimizer"]["state"][0]["step"] == 3
    assert isinstance(back["optimizer"]["state"][0]["exp_avg"], np.ndarray)
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["epoch"] == 5 and back["name"] == "mlp" and back["flags"] == [True, None]
    assert back["loss"] == obj["loss"]  # floats are exact
    assert back["rng"].dtype == gg.uint8  # the generator state (a uint8 tensor) survives
    assert np.array_equal(back["rng"].numpy(), obj["rng"].numpy())
    assert back["mask"].dtype == bool and back["scalar"].dtype == np.float32


def test_flat_state_dict_keeps_torch_keys(tmp_path):
    from safetensors.numpy import load_file

    sd = {"0.weight": gg.ones(2, 2), "0.bias": gg.zeros(2)}
    p = tmp_path / "w.safetensors"
    gg.save(sd, p)
    assert sorted(load_file(str(p))) == ["0.bias", "0.weight"]


def test_plain_safetensors_from_torch_loads_as_tensors(tmp_path):
    if torch is None:
        pytest.skip("torch is not installed")
    from safetensors.torch import save_file

    lin = torch.nn.Linear(3, 2)
    p = tmp_path / "torch.safetensors"
    save_file(lin.state_dict(), str(p))
    back = gg.load(p)
    assert sorted(back) == ["bias", "weight"]
    np.testing.assert_array_equal(back["weight"].data, lin.weight.detach().numpy())


def test_a_crash_mid_save_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    p = tmp_path / "ckpt.safetensors"
    gg.save({"w": gg.ones(3)}, p)
    before = p.read_bytes()

    def boom(arrays, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise KeyboardInterrupt("power cut")

    import safetensors.numpy

    monkeypatch.setattr(safetensors.numpy, "save_file", boom)
    with pytest.raises(KeyboardInterrupt):
        gg.save({"w": gg.zeros(3)}, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temp file left behind


def test_truncated_and_garbage_files_name_the_file(tmp_path):
    p = tmp_path / "ckpt.safetensors"
    gg.save({"w": gg.ones(100)}, p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(serialization.CheckpointError, match="ckpt.safetensors"):
        gg.load(p)
    q = tmp_path / "junk.bin"
    q.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(serialization.CheckpointError, match="junk.bin"):
        gg.load(q)
    with pytest.raises(FileNotFoundError, match="nope"):
        gg.load(tmp_path / "nope.safetensors")


def test_a_pickle_is_refused_and_never_run(tmp_path):
    PicklePayload.marker = tmp_path / "pwned"
    p = tmp_path / "evil.pt"
    p.write_bytes(pickle.dumps({"w": PicklePayload()}))
    with pytest.raises(serialization.CheckpointError):
        gg.load(p)
    assert not PicklePayload.marker.exists()


def test_unsaveable_values_are_named(tmp_path):
    with pytest.raises(TypeError, match="model/f"):
        gg.save({"model": {"f": lambda: 0}}, tmp_path / "x.safetensors")


def test_weights_move_between_torch_and_glassgrad_through_files(tmp_path):
    if torch is None:
        pytest.skip("torch is not installed")
    from safetensors.torch import load_file, save_file

    from glassgrad import nn

    def ours():
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))

    def theirs():
        t = torch.nn
        return t.Sequential(t.Conv2d(1, 4, 3, padding=1), t.BatchNorm2d(4), t.ReLU(),
                            t.MaxPool2d(2), t.Flatten(), t.Linear(4 * 4 * 4, 3))

    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    tm = theirs()
    tm.train()
    tm(torch.tensor(x))  # non-trivial running stats
    tm.eval()
    save_file(tm.state_dict(), str(tmp_path / "from_torch.safetensors"))
    gm = ours()
    gm.load_state_dict(gg.load(tmp_path / "from_torch.safetensors"))
    gm.eval()
    expect = tm(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(gm(gg.tensor(x)).data, expect, rtol=1e-5, atol=1e-6)

    gg.save(gm.state_dict(), tmp_path / "from_glassgrad.safetensors")
    back = theirs()
    back.load_state_dict(load_file(str(tmp_path / "from_glassgrad.safetensors")), strict=True)
    back.eval()
    np.testing.assert_allclose(back(torch.tensor(x)).detach().numpy(), expect, rtol=1e-6)
