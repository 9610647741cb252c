"""Random number generators: ``gg.Generator`` and the default one behind ``gg.manual_seed``.

A ``Generator`` wraps a numpy ``PCG64`` generator. Every random function takes
``generator=`` (a ``gg.Generator``; a ``numpy.random.Generator`` is accepted too) and uses
the default generator without one, so ``gg.manual_seed(n)`` makes every draw in glassgrad
(rand, randn, init, dropout, shuffling) repeat. The numbers differ from torch's (another
algorithm); the distributions do not.

    g = gg.Generator().manual_seed(42)
    gg.randn(3, generator=g)
    state = g.get_state()          # a uint8 tensor; gg.save can store it
    g.set_state(state)             # the stream continues from there again

Seeds are 64-bit: any int in [-2**63, 2**64) is accepted and stored modulo 2**64, as in torch.
A new Generator starts from torch's default seed (67280421310721); the default generator
starts from seed 0, so an unseeded glassgrad program repeats from run to run.
"""

from __future__ import annotations

import contextlib
import operator
import os

import numpy as np

DEFAULT_SEED = 67280421310721  # torch.Generator().initial_seed()
_MASK = (1 << 64) - 1
_TAG = b"PCG1"  # the layout of get_state()'s bytes (version 1)
_STATE_BYTES = len(_TAG) + 16 + 16 + 1 + 4 + 8


def _check_seed(seed, op):
    if isinstance(seed, bool):
        raise TypeError(f"{op}: expected an int seed, got {seed!r}")
    try:
        s = operator.index(seed)
    except TypeError:
        raise RuntimeError(f"{op} expected a long, but got {type(seed).__name__}") from None
    if not -(1 << 63) <= s <= _MASK:
        raise ValueError(f"{op}: seed {s} is out of range; seeds are 64-bit ints in "
                         f"[-2**63, 2**64)")
    return s & _MASK


class Generator:
    """A seeded source of random numbers, as ``torch.Generator``.

    ``manual_seed(seed)`` reseeds it and returns it; ``seed()`` reseeds it from the operating
    system and returns the new seed; ``initial_seed()`` is the last seed set;
    ``get_state()``/``set_state(state)`` save and restore its exact position in the stream.
    """

    __slots__ = ("_rng", "_seed")

    def __init__(self, device="cpu"):
        from . import _device

        _device.check(device, "Generator")
        self._seed = DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(DEFAULT_SEED))

    @property
    def device(self):
        from ._device import CPU

        return CPU

    def manual_seed(self, seed):
        """Reseed with ``seed`` and return this generator."""
        s = _check_seed(seed, "manual_seed")
        # in place: the numpy Generator object stays the same, so holders of it follow along
        self._rng.bit_generator.state = np.random.PCG64(s).state
        self._seed = s
        return self

    def seed(self):
        """Reseed from the operating system's entropy and return the new seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The exact state, as a 1-D uint8 Tensor (a copy): save it with ``gg.save``."""
        from .autograd.tensor import Tensor

        st = self._rng.bit_generator.state
        raw = (_TAG + st["state"]["state"].to_bytes(16, "little")
               + st["state"]["inc"].to_bytes(16, "little") + bytes([st["has_uint32"]])
               + st["uinteger"].to_bytes(4, "little") + self._seed.to_bytes(8, "little"))
        return Tensor._from_op(np.frombuffer(raw, dtype=np.uint8).copy(), None, ())

    def set_state(self, new_state):
        """Restore a state from ``get_state()`` (a uint8 Tensor or array). The numpy
        ``bit_generator.state`` dict that older glassgrad checkpoints hold works too."""
        if isinstance(new_state, dict):
            self._set_legacy(new_state)
            return self
        from .autograd.tensor import Tensor

        arr = new_state._data if isinstance(new_state, Tensor) else new_state
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"set_state: expected the uint8 Tensor from get_state(), got "
                            f"{type(new_state).__name__}")
        if arr.dtype != np.uint8 or arr.shape != (_STATE_BYTES,):
            raise RuntimeError(f"set_state: expected a uint8 tensor of shape ({_STATE_BYTES},) "
                               f"from Generator.get_state(), got dtype {arr.dtype} and shape "
                               f"{arr.shape}")
        raw = arr.tobytes()
        if raw[:4] != _TAG:
            raise RuntimeError("set_state: this tensor is not a glassgrad generator state "
                               "(its header is wrong); pass what get_state() returned")
        o = len(_TAG)
        self._rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[o:o + 16], "little"),
                      "inc": int.from_bytes(raw[o + 16:o + 32], "little")},
            "has_uint32": raw[o + 32],
            "uinteger": int.from_bytes(raw[o + 33:o + 37], "little"),
        }
        self._seed = int.from_bytes(raw[o + 37:o + 45], "little")
        return self

    def _set_legacy(self, state):
        try:
            self._rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError) as e:
            raise RuntimeError(f"set_state: not a PCG64 generator state: {e}") from None

    def __repr__(self):
        return f"<glassgrad.Generator initial_seed={self._seed}>"


_default = Generator().manual_seed(0)


def numpy_rng(generator=None, op="random"):
    """The numpy Generator behind ``generator`` (None: the default generator's)."""
    if generator is None:
        return _default._rng
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{op}: generator must be a gg.Generator (or a numpy.random.Generator), "
                    f"got {type(generator).__name__}")


def unit_uniform(rng, shape, dtype):
    """Draws from U[0, 1) in ``dtype``: rounding a float64 draw to a narrower float can give
    1.0, so those few are moved to the largest value below 1."""
    u = rng.random(shape)
    if dtype != np.float64:
        u = u.astype(dtype)
        np.minimum(u, np.nextafter(dtype.type(1), dtype.type(0)), out=u)
    return u


def check_int_range(low, high, dt, op):
    """torch's checks on [low, high) for ``random_``/``randint`` into dtype ``dt``."""
    if low >= high:
        raise RuntimeError(f"{op}: expects 'from' (low) to be less than 'to' (high), but got "
                           f"from={low} >= to={high}")
    if dt.kind in "iub":
        info = np.iinfo(dt) if dt.kind != "b" else None
        lo, hi = (0, 1) if info is None else (int(info.min), int(info.max))
        if not lo <= low <= hi:
            raise RuntimeError(f"{op}: from={low} is out of bounds for {dt} "
                               f"([{lo}, {hi}])")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"{op}: to - 1 = {high - 1} is out of bounds for {dt} "
                               f"([{lo}, {hi}])")


def integers(rng, low, high, shape, dt):
    """Integers uniform on [low, high), cast to ``dt``."""
    return rng.integers(low, high, size=shape, dtype=np.int64).astype(dt)


def default_generator() -> np.random.Generator:
    """The numpy Generator behind the default generator (engine code draws from it)."""
    return _default._rng


def manual_seed(seed):
    """Seed the default generator (every random draw in glassgrad) and return it.

    As ``torch.manual_seed``, the seed goes through ``int()`` first.
    """
    if isinstance(seed, float):
        seed = int(seed)
    return _default.manual_seed(seed)


def seed():
    """Reseed the default generator nondeterministically and return the seed."""
    return _default.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return _default.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 Tensor (``gg.save`` stores it)."""
    return _default.get_state()


def set_rng_state(new_state):
    """Restore the default generator from ``get_rng_state()`` (or an older checkpoint's dict)."""
    _default.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, device_type="cuda"):
    """Run a block and then restore the default generator's state (``devices`` and
    ``device_type`` name GPU generators, which glassgrad does not have)."""
    state = get_rng_state() if enabled else None
    try:
        yield
    finally:
        if state is not None:
            set_rng_state(state)
