"""Devices: gg.device as torch.device, device= on every factory and layer, .to/.cpu/.cuda,
gg.cuda and gg.backends; every device other than the CPU raises a clear error."""

import pickle

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as nn
from torch_ref import torch

CPU_FORMS = [None, "cpu", "cpu:0", gg.device("cpu"), gg.device("cpu", 0)]
OTHER_DEVICES = ["cuda", "cuda:0", "cuda:1", "mps", gg.device("cuda"), gg.device("cuda", 2),
                 "meta", 0]


def _shown(dev):
    return {0: "cuda:0"}.get(dev, str(dev)) if not isinstance(dev, gg.device) else str(dev)


# ------------------------------------------------------------------------------ gg.device
@pytest.mark.parametrize("args", [("cpu",), ("cpu", 0), ("cuda",), ("cuda:1",), ("cuda", 3),
                                  ("mps",), ("meta",), ("cpu:2",)])
def test_device_matches_torch(args):
    ours, ref = gg.device(*args), torch.device(*args)
    assert repr(ours) == repr(ref)
    assert str(ours) == str(ref)
    assert ours.type == ref.type and ours.index == ref.index


def test_device_keywords_copy_and_pickle():
    d = gg.device(type="cpu", index=0)
    assert repr(d) == "device(type='cpu', index=0)"
    assert gg.device(d) == d and gg.device(gg.device("cuda:1")).index == 1
    assert pickle.loads(pickle.dumps(gg.device("cuda:3"))) == gg.device("cuda", 3)


def test_device_equality_and_hash_as_torch():
    assert gg.device("cpu") == gg.device("cpu")
    assert hash(gg.device("cpu")) == hash(gg.device("cpu"))
    assert gg.device("cpu") != gg.device("cpu", 0)
    assert gg.device("cpu") != gg.device("cuda")
    assert len({gg.device("cpu"), gg.device("cpu"), gg.device("cuda")}) == 2
    # torch: a device never equals a string; compare str(d) or d.type instead
    assert (gg.device("cpu") == "cpu") == (torch.device("cpu") == "cpu") is False
    assert str(gg.device("cpu")) == "cpu" and gg.device("cpu").type == "cpu"


@pytest.mark.parametrize("bad", ["foo", "CPU", "cuda:x", "cpu:-1", "cuda:0:1", " cpu", ""])
def test_invalid_device_strings_raise_as_torch(bad):
    with pytest.raises(RuntimeError) as ours:
        gg.device(bad)
    with pytest.raises(RuntimeError) as ref:
        torch.device(bad)
    first = str(ref.value).split(":")[0]  # "Expected one of cpu, ..." or "Invalid device string"
    assert first in str(ours.value)


def test_device_argument_errors():
    with pytest.raises(RuntimeError, match="must not be negative"):
        gg.device("cpu", -1)
    with pytest.raises(RuntimeError, match="must not include an index"):
        gg.device("cuda:0", 1)
    with pytest.raises(RuntimeError, match="CPU only"):
        gg.device(0)
    with pytest.raises(TypeError, match="device string"):
        gg.device(1.5)


# ------------------------------------------------------------------------------ tensors
def test_tensor_device_properties():
    x = gg.zeros(2)
    assert isinstance(x.device, gg.device)
    assert x.device == gg.device("cpu") and x.device.type == "cpu"
    assert repr(x.device) == repr(torch.zeros(2).device)
    assert x.is_cuda is False and x.is_cpu is True and x.is_mps is False
    assert x.get_device() == torch.zeros(2).get_device() == -1
    assert x.cpu() is x


def test_tensor_cuda_raises():
    with pytest.raises(RuntimeError, match=r"CPU only.*shape \(2,\)"):
        gg.zeros(2).cuda()


@pytest.mark.parametrize("dev", CPU_FORMS[1:])
def test_to_cpu_returns_the_tensor_itself(dev):
    x = gg.ones(3)
    assert x.to(dev) is x
    assert x.to(device=dev) is x
    y = x.to(dev, gg.float64)
    assert y.dtype == gg.float64 and y is not x


@pytest.mark.parametrize("dev", OTHER_DEVICES)
def test_to_another_device_raises_naming_it(dev):
    with pytest.raises(RuntimeError, match="CPU only") as e:
        gg.ones(2).to(dev)
    assert repr(_shown(dev)) in str(e.value) or f"device={dev}" in str(e.value)
    with pytest.raises(RuntimeError, match="CPU only"):
        gg.ones(2).to(device=dev, dtype=gg.float64)


FACTORIES = {
    "tensor": lambda d: gg.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: gg.as_tensor([1.0, 2.0], device=d),
    "zeros": lambda d: gg.zeros(2, 3, device=d),
    "ones": lambda d: gg.ones((2,), device=d),
    "empty": lambda d: gg.empty(2, device=d),
    "full": lambda d: gg.full((2,), 3.0, device=d),
    "arange": lambda d: gg.arange(5, device=d),
    "linspace": lambda d: gg.linspace(0, 1, 5, device=d),
    "eye": lambda d: gg.eye(3, device=d),
    "rand": lambda d: gg.rand(2, device=d),
    "randn": lambda d: gg.randn(2, device=d),
    "randint": lambda d: gg.randint(0, 5, (3,), device=d),
    "randperm": lambda d: gg.randperm(4, device=d),
    "normal": lambda d: gg.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda d: gg.zeros_like(gg.ones(2), device=d),
    "ones_like": lambda d: gg.ones_like(gg.ones(2), device=d),
    "full_like": lambda d: gg.full_like(gg.ones(2), 7.0, device=d),
    "empty_like": lambda d: gg.empty_like(gg.ones(2), device=d),
    "rand_like": lambda d: gg.rand_like(gg.ones(2), device=d),
    "randn_like": lambda d: gg.randn_like(gg.ones(2), device=d),
    "randint_like": lambda d: gg.randint_like(gg.ones(2), 4, device=d),
    "new_zeros": lambda d: gg.ones(2).new_zeros(3, device=d),
    "new_ones": lambda d: gg.ones(2).new_ones((3,), device=d),
    "new_empty": lambda d: gg.ones(2).new_empty(3, device=d),
    "new_full": lambda d: gg.ones(2).new_full((3,), 1.5, device=d),
    "new_tensor": lambda d: gg.ones(2).new_tensor([4, 5], device=d),
    "Generator": lambda d: gg.Generator(device=d),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dev", CPU_FORMS, ids=str)
def test_factories_accept_the_cpu(name, dev):
    out = FACTORIES[name](dev)
    assert out.device == gg.device("cpu")


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dev", OTHER_DEVICES, ids=str)
def test_factories_refuse_other_devices(name, dev):
    with pytest.raises(RuntimeError, match="glassgrad runs on the CPU only") as e:
        FACTORIES[name](dev)
    assert _shown(dev) in str(e.value)


def test_factory_results_match_torch_on_cpu():
    for name in ("zeros", "ones", "full", "arange", "linspace", "eye", "randint", "randperm"):
        ours = FACTORIES[name]("cpu")
        ref = {"zeros": lambda: torch.zeros(2, 3, device="cpu"),
               "ones": lambda: torch.ones((2,), device="cpu"),
               "full": lambda: torch.full((2,), 3.0, device="cpu"),
               "arange": lambda: torch.arange(5, device="cpu"),
               "linspace": lambda: torch.linspace(0, 1, 5, device="cpu"),
               "eye": lambda: torch.eye(3, device="cpu"),
               "randint": lambda: torch.randint(0, 5, (3,), device="cpu"),
               "randperm": lambda: torch.randperm(4, device="cpu")}[name]()
        assert tuple(ours.shape) == tuple(ref.shape)
        assert str(ours.dtype) == str(ref.dtype).removeprefix("torch.")


def test_device_argument_type_is_checked():
    with pytest.raises(TypeError, match="device must be a gg.device"):
        gg.zeros(2, device=1.5)


# ------------------------------------------------------------------------------ modules
LAYERS = {
    "Linear": lambda **kw: nn.Linear(3, 2, **kw),
    "Conv2d": lambda **kw: nn.Conv2d(1, 2, 3, **kw),
    "BatchNorm1d": lambda **kw: nn.BatchNorm1d(4, **kw),
    "BatchNorm2d": lambda **kw: nn.BatchNorm2d(4, **kw),
    "LayerNorm": lambda **kw: nn.LayerNorm(4, **kw),
    "Embedding": lambda **kw: nn.Embedding(5, 3, **kw),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_accept_device_and_dtype(name):
    for dev in CPU_FORMS:
        m = LAYERS[name](device=dev, dtype=gg.float64)
        for p in m.parameters():
            assert p.dtype == gg.float64 and p.device == gg.device("cpu")
        for k, b in m.named_buffers():
            if b is not None and k != "num_batches_tracked":
                assert b.dtype == gg.float64
    ref = getattr(torch.nn, name)
    assert "device" in ref.__init__.__code__.co_varnames  # torch has these arguments too


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("dev", ["cuda", gg.device("cuda", 0), "mps"], ids=str)
def test_layers_refuse_other_devices(name, dev):
    with pytest.raises(RuntimeError, match="glassgrad runs on the CPU only"):
        LAYERS[name](device=dev)


def test_module_to_and_cpu_and_cuda():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert m.to("cpu") is m and m.to(gg.device("cpu")) is m and m.cpu() is m
    assert m.to(device="cpu") is m
    m.to("cpu", gg.float64)
    assert all(p.dtype == gg.float64 for p in m.parameters())
    m.to(gg.zeros(1, dtype=gg.float32))
    assert all(p.dtype == gg.float32 for p in m.parameters())
    m.to(dtype=gg.float64, non_blocking=True)
    assert all(p.dtype == gg.float64 for p in m.parameters())
    assert m[1].num_batches_tracked.dtype == gg.int64
    with pytest.raises(RuntimeError, match="CPU only.*'cuda:0'"):
        m.to("cuda:0")
    with pytest.raises(RuntimeError, match="CPU only.*'cuda'"):
        m.to(gg.device("cuda"))
    with pytest.raises(RuntimeError, match="CPU only.*Sequential"):
        m.cuda()


def test_the_usual_device_idiom_runs_on_the_cpu():
    device = gg.device("cuda" if gg.cuda.is_available() else "cpu")
    model = nn.Linear(4, 2).to(device)
    x = gg.randn(3, 4, generator=gg.Generator().manual_seed(0)).to(device)
    y = gg.randint(0, 2, (3,), device=device)
    loss = gg.functional.cross_entropy(model(x), y)
    loss.backward()
    assert model.weight.grad is not None and loss.device == device


# ------------------------------------------------------------------------------ gg.cuda
def test_cuda_module_matches_torch_without_a_gpu():
    assert gg.cuda.is_available() is False
    assert gg.cuda.device_count() == 0
    assert gg.cuda.is_initialized() is False
    assert gg.cuda.manual_seed(0) is None and gg.cuda.manual_seed_all(0) is None
    assert gg.cuda.seed() is None and gg.cuda.seed_all() is None
    assert gg.cuda.empty_cache() is None
    if not torch.cuda.is_available():
        assert torch.cuda.device_count() == gg.cuda.device_count()
    for call in (gg.cuda.current_device, gg.cuda.synchronize, gg.cuda.get_device_name,
                 lambda: gg.cuda.set_device(0)):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()


def test_cuda_seeding_does_not_touch_the_cpu_stream():
    gg.manual_seed(3)
    state = gg.get_rng_state().numpy().copy()
    gg.cuda.manual_seed_all(99)
    gg.cuda.manual_seed(98)
    assert np.array_equal(gg.get_rng_state().numpy(), state)


def test_backends_flags_can_be_set_and_read():
    cudnn = gg.backends.cudnn
    assert cudnn.enabled is torch.backends.cudnn.enabled is True
    assert cudnn.benchmark is False and cudnn.deterministic is False
    old = (cudnn.benchmark, cudnn.deterministic)
    try:
        cudnn.benchmark, cudnn.deterministic = True, True
        assert gg.backends.cudnn.benchmark is True and gg.backends.cudnn.deterministic
        gg.backends.cuda.matmul.allow_tf32 = True
        assert gg.backends.cuda.matmul.allow_tf32 is True
    finally:
        cudnn.benchmark, cudnn.deterministic = old
        gg.backends.cuda.matmul.allow_tf32 = False
    assert gg.backends.mps.is_available() is False and gg.backends.mps.is_built() is False
    assert gg.backends.cudnn.is_available() is False
    import glassgrad.backends.cudnn as imported

    assert imported is cudnn


def test_deterministic_and_matmul_precision_flags():
    assert gg.are_deterministic_algorithms_enabled() is False
    gg.use_deterministic_algorithms(True)
    try:
        assert gg.are_deterministic_algorithms_enabled() is True
    finally:
        gg.use_deterministic_algorithms(False)
    assert gg.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    gg.set_float32_matmul_precision("high")
    try:
        assert gg.get_float32_matmul_precision() == "high"
    finally:
        gg.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="invalid precision 'low'"):
        gg.set_float32_matmul_precision("low")
    with pytest.raises(TypeError, match="must be a bool"):
        gg.use_deterministic_algorithms(1)


def test_generator_on_another_device_raises():
    with pytest.raises(RuntimeError, match="CPU only.*'cuda'"):
        gg.Generator(device="cuda")
