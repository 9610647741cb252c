"""Conversions and factories on a tensor: ``to``, ``type``, ``float()``..., ``new_*``, devices.

glassgrad computes on the CPU, so ``x.to("cpu")`` and ``x.cpu()`` return ``x`` itself (as in
torch), and naming any other device raises a RuntimeError that says so. Casts between
floating dtypes stay on the graph (the gradient is cast back); casts to integer or bool
dtypes give tensors that do not require grad.

    x.to(gg.float64)   x.to("cpu", gg.float64)   x.to(other)   x.to(dtype=..., copy=True)
    x.double()   x.long()   x.type(gg.int32)   x.type()  ->  'torch.FloatTensor'
    x.new_zeros(2, 3)   x.new_full((2,), 7.0)   x.new_tensor([1, 2])   (x's dtype by default)

``elementwise.to`` is the engine's internal cast (the ``to`` op); these methods are the
public forms around it.
"""

from __future__ import annotations

import numpy as np

from ... import _device, _dtype
from ..tensor import Tensor
from . import elementwise

# legacy type names, spelled as torch spells them so ported string comparisons hold
_TYPE_NAMES = {
    "FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64,
    "HalfTensor": _dtype.float16, "ByteTensor": _dtype.uint8, "CharTensor": _dtype.int8,
    "ShortTensor": _dtype.int16, "IntTensor": _dtype.int32, "LongTensor": _dtype.int64,
    "BoolTensor": _dtype.bool,
}
_NAME_OF = {dt: "torch." + name for name, dt in _TYPE_NAMES.items()}


def _cast(x, dt, copy):
    if dt is None or dt == x.dtype:
        return x.clone() if copy else x
    return elementwise.to(x, dt)


def to(self, *args, **kwargs):
    """``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``, ``x.to(other)``, with the
    keywords ``dtype``, ``device``, ``non_blocking``, ``copy`` and ``memory_format``.

    Returns ``x`` itself when nothing changes (unless ``copy=True``). The device must be
    the CPU: "cpu", "cpu:0" or ``gg.device("cpu")``.
    """
    dtype, copy, _ = _device.parse_to(args, kwargs, "to")
    return _cast(self, _dtype.to_dtype(dtype), copy)


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument, the legacy type name ('torch.FloatTensor', 'torch.LongTensor', ...).
    With a dtype or a type name ('torch.DoubleTensor'), the tensor cast to it."""
    if dtype is None:
        if kwargs:
            raise TypeError(f"type: unexpected keyword arguments {sorted(kwargs)}")
        return _NAME_OF[self.dtype]
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"type: unexpected keyword arguments {sorted(kwargs)}")
    if isinstance(dtype, str):
        name = dtype.split(".")[-1]
        if name in _TYPE_NAMES:
            return _cast(self, _TYPE_NAMES[name], False)
    return _cast(self, _dtype.to_dtype(dtype), False)


def _caster(name, dt):
    def method(self, memory_format=None):
        return _cast(self, dt, False)

    method.__name__ = name
    method.__doc__ = f"``x.to({dt})``: the same tensor when it already is {dt}."
    return method


def type_as(self, other):
    """``x.to(other.dtype)``."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as: expected a Tensor, got {_typename(other)}")
    return _cast(self, other.dtype, False)


# ------------------------------------------------------------------------------ devices
def cpu(self, memory_format=None):
    """The tensor itself: glassgrad tensors always live on the CPU."""
    return self


def cuda(self, device=None, non_blocking=False, memory_format=None):
    raise RuntimeError(
        f"cuda: glassgrad runs on the CPU only; there is no CUDA device to move this tensor "
        f"(shape {tuple(self.shape)}) to. Drop .cuda(), or write .to(device) with device = "
        "'cuda' if gg.cuda.is_available() else 'cpu'")


def get_device(self):
    """-1, torch's answer for a tensor on the CPU."""
    return -1


def element_size(self):
    """Bytes per element."""
    return self._data.itemsize


# ------------------------------------------------------------------------------ new_*
def _new_size(size, op):
    from ..._creation import _size  # the factories' own size parsing

    if not size:
        raise TypeError(f"{op}: missing the size, e.g. {op}(2, 3) or {op}((2, 3)); "
                        f"{op}(()) gives a 0-d tensor")
    return _size(size, op)


def _new(self, arr_fn, size, dtype, device, requires_grad, op):
    _device.check(device, op)
    dt = _dtype.to_dtype(dtype) or self.dtype
    t = Tensor._from_op(arr_fn(size, dt), None, ())
    return t.requires_grad_() if requires_grad else t


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given."""
    return _new(self, np.zeros, _new_size(size, "new_zeros"), dtype, device, requires_grad,
                "new_zeros")


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return _new(self, np.ones, _new_size(size, "new_ones"), dtype, device, requires_grad,
                "new_ones")


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return _new(self, np.empty, _new_size(size, "new_empty"), dtype, device, requires_grad,
                "new_empty")


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``size`` (a tuple) filled with ``fill_value``, in this tensor's dtype unless given."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full: size must be a tuple of ints, got {size!r}")
    v = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return _new(self, lambda s, dt: np.full(s, v, dt), _new_size((size,), "new_full"), dtype,
                device, requires_grad, "new_full")


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A new leaf holding a copy of ``data``, in this tensor's dtype unless given."""
    _device.check(device, "new_tensor")
    arr = data._data if isinstance(data, Tensor) else data
    t = Tensor(np.array(arr, copy=True), dtype=_dtype.to_dtype(dtype) or self.dtype)
    return t.requires_grad_() if requires_grad else t


# ------------------------------------------------------------------------------ functions
def numel(input):
    """The number of elements."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: expected a Tensor, got {_typename(input)}")
    return input._data.size


def is_floating_point(input):
    if not isinstance(input, Tensor):
        raise TypeError(f"is_floating_point: expected a Tensor, got {_typename(input)}")
    return input._data.dtype.kind == "f"


def _typename(x):
    return type(x).__name__


TENSOR_METHODS = {
    "to": to, "type": type_, "type_as": type_as,
    "float": _caster("float", _dtype.float32), "double": _caster("double", _dtype.float64),
    "half": _caster("half", _dtype.float16), "long": _caster("long", _dtype.int64),
    "int": _caster("int", _dtype.int32), "short": _caster("short", _dtype.int16),
    "char": _caster("char", _dtype.int8), "byte": _caster("byte", _dtype.uint8),
    "bool": _caster("bool", _dtype.bool),
    "cpu": cpu, "cuda": cuda, "get_device": get_device, "element_size": element_size,
    "is_cuda": property(lambda self: False, doc="False: glassgrad runs on the CPU only."),
    "is_cpu": property(lambda self: True, doc="True: glassgrad runs on the CPU only."),
    "is_mps": property(lambda self: False, doc="False: glassgrad runs on the CPU only."),
    "new_zeros": new_zeros, "new_ones": new_ones, "new_empty": new_empty,
    "new_full": new_full, "new_tensor": new_tensor,
}
TORCH_FUNCTIONS = {"numel": numel, "is_floating_point": is_floating_point}
FUNCTIONAL = {}
