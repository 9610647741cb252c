"""``gg.device``: torch's device object. glassgrad computes with numpy, on the CPU only.

Any device torch knows can be *named* (``gg.device("cuda:1")`` exists, as in torch, so code
that builds one before checking ``gg.cuda.is_available()`` still runs), but asking for
memory or computation anywhere other than the CPU raises a RuntimeError that says so.

    gg.device("cpu")              device(type='cpu')
    gg.device("cpu", 0)           device(type='cpu', index=0)      str() -> 'cpu:0'
    x.device == gg.device("cpu")  True          x.device.type == "cpu"   True
"""

from __future__ import annotations

import re

# torch's device types, in torch's order (its error message lists them so)
TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
         "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_PATTERN = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")  # torch's grammar
_pyint = int


class device:  # noqa: N801  (torch.device)
    """A device: ``type`` ('cpu', 'cuda', ...) and an optional ``index`` (None or an int >= 0).

    ``device("cuda:1")``, ``device("cuda", 1)``, ``device(type="cpu", index=0)`` and
    ``device(other_device)`` all work as in torch. Two devices are equal when type and index
    are; as in torch, a device never equals a string (compare ``str(d)`` or ``d.type``).
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):  # noqa: A002  (torch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise RuntimeError(f"device: {type!r} already holds an index; pass only the "
                                   "device, or a type string and an index")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, _pyint) and not isinstance(type, bool):
            raise RuntimeError(
                f"device: the bare index {type} means an accelerator device (cuda:{type} in "
                "torch); glassgrad runs on the CPU only. Use gg.device('cpu')")
        if not isinstance(type, str):
            raise TypeError(f"device: expected a device string such as 'cpu' or 'cuda:0', or "
                            f"a device, got {_typename(type)}")
        if not type:
            raise RuntimeError("Device string must not be empty; use 'cpu'")
        m = _PATTERN.fullmatch(type)
        if m is None:
            raise RuntimeError(f"Invalid device string: {type!r}")
        kind, idx = m.group(1), m.group(2)
        if kind not in TYPES:
            raise RuntimeError(f"Expected one of {', '.join(TYPES)} device type at start of "
                               f"device string: {type}")
        if idx is not None:
            if index is not None:
                raise RuntimeError(f"device: type (string) must not include an index because "
                                   f"index was passed explicitly: {type}")
            index = _pyint(idx)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, _pyint):
                try:
                    index = index.__index__()
                except (AttributeError, TypeError):
                    raise TypeError(f"device: index must be an int, got "
                                    f"{_typename(index)}") from None
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
        self._type, self._index = kind, index

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented  # torch: device("cpu") == "cpu" is False
        return self._type == other._type and self._index == other._index

    def __hash__(self):
        return hash((device, self._type, self._index))

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __reduce__(self):
        return (device, (self._type, self._index))


CPU = device("cpu")


def _typename(x):
    return type(x).__name__


def is_device_like(x):
    """A device, or a string that names one (not a dtype name such as 'float64')."""
    if isinstance(x, device):
        return True
    if isinstance(x, str):
        return x.split(":")[0] in TYPES
    return False


def check(dev, op):
    """The CPU device for ``device=`` arguments: None, "cpu", "cpu:0", gg.device("cpu").

    Anything else (cuda, mps, "cuda:0", an accelerator index) raises a RuntimeError that
    names the device and says glassgrad runs on the CPU only.
    """
    if dev is None or dev is CPU:
        return CPU
    d = dev if isinstance(dev, device) else None
    if d is None:
        if isinstance(dev, _pyint) and not isinstance(dev, bool):
            raise RuntimeError(
                f"{op}: device={dev} means the accelerator cuda:{dev}, but glassgrad runs on "
                "the CPU only; use device='cpu' or leave device= out")
        if not isinstance(dev, str):
            raise TypeError(f"{op}: device must be a gg.device, a string such as 'cpu', or "
                            f"None, got {_typename(dev)}")
        d = device(dev)
    if d._type != "cpu":
        raise RuntimeError(
            f"{op}: glassgrad runs on the CPU only; device {str(d)!r} is not available. Use "
            f"device='cpu' or leave device= out (a program that picks its device with "
            f"'cuda' if gg.cuda.is_available() else 'cpu' gets the CPU)")
    return CPU


def parse_to(args, kwargs, op):
    """torch's ``to`` arguments -> (dtype or None, copy, tensor_or_None).

    Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``, the
    positional ``non_blocking`` and ``copy`` flags after them, and the keywords ``device``,
    ``dtype``, ``non_blocking``, ``copy`` and ``memory_format`` (ignored: numpy arrays have
    no channels-last layout). The device is checked with ``check``; the dtype is returned
    unconverted (a dtype, a dtype name, or a Python type).
    """
    from .autograd.tensor import Tensor

    kwargs = dict(kwargs)
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    flags = []
    other = None
    for a in args:
        if isinstance(a, bool):
            flags.append(a)
        elif isinstance(a, Tensor):
            other = a
            dtype = a.dtype
        elif is_device_like(a) or (isinstance(a, _pyint)):
            dev = a
        elif dtype is None:
            dtype = a
        else:
            raise TypeError(f"{op}: got two dtypes ({dtype!r} and {a!r}); pass one dtype, "
                            "optionally after a device: x.to('cpu', gg.float64)")
    if len(flags) > 2:
        raise TypeError(f"{op}: expected at most two flags (non_blocking, copy), got {flags}")
    copy = kwargs.pop("copy", flags[1] if len(flags) > 1 else False)
    kwargs.pop("non_blocking", None)  # nothing is asynchronous on the CPU
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword arguments {sorted(kwargs)}; expected "
                        "device, dtype, non_blocking, copy or memory_format")
    check(dev, op)
    return dtype, bool(copy), other
