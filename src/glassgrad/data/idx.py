"""IDX files, the format MNIST and Fashion-MNIST ship in, gzipped or not.

Layout (all big-endian)::

    0x00 0x00 <type> <ndim>        magic number
    ndim x uint32                  dims
    prod(dims) x <type>            payload, row-major

Gzip is detected by its magic bytes (0x1f 0x8b), not by the file name.
"""

from __future__ import annotations

import gzip as _gzip
import math
import os
import zlib

import numpy as np

#           code    numpy dtype (big-endian)
DTYPES = {
    0x08: np.dtype(">u1"),  # unsigned byte
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}
_NAMES = {0x08: "ubyte", 0x09: "byte", 0x0B: "short", 0x0C: "int", 0x0D: "float",
          0x0E: "double"}
_CODES = {dt.newbyteorder("="): code for code, dt in DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a well-formed IDX file; the message names the file and the problem."""


def _known_codes():
    return ", ".join(f"0x{c:02X} ({n})" for c, n in _NAMES.items())


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return _gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise IDXError(f"{path}: corrupt or truncated gzip stream ({e})") from None


def read_idx(path) -> np.ndarray:
    """Read an IDX file (plain or gzipped) into a native-endian ndarray of its dims.

    Raises IDXError (a ValueError) naming the file when the magic number, the dtype code,
    the dims or the payload size is wrong.
    """
    path = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: file has {len(raw)} bytes, too short for the 4-byte IDX "
                       f"magic number")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00":
        magic = int.from_bytes(raw[:4], "big")
        raise IDXError(f"{path}: bad magic number 0x{magic:08X}; an IDX file starts with "
                       f"0x00 0x00, a dtype code and the number of dims (is it an IDX file?)")
    if code not in DTYPES:
        raise IDXError(f"{path}: unknown dtype code 0x{code:02X} in the magic number; "
                       f"expected one of {_known_codes()}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: header declares {ndim} dims ({header} header bytes) but the "
                       f"file has only {len(raw)} bytes")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    dtype = DTYPES[code]
    need = math.prod(dims) * dtype.itemsize
    have = len(raw) - header
    if have != need:
        unit = "" if dtype.itemsize == 1 else f" ({dtype.itemsize}-byte {_NAMES[code]})"
        raise IDXError(f"{path}: payload has {have} bytes but dims {dims}{unit} need {need}")
    arr = np.frombuffer(raw, dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))  # a writable, native-endian copy


def write_idx(path, array, gzip=False):
    """Write ``array`` as an IDX file (gzipped when ``gzip=True``); the inverse of read_idx.

    Supported dtypes: uint8, int8, int16, int32, float32, float64.
    """
    path = os.fspath(path)
    arr = np.asarray(array)
    code = _CODES.get(arr.dtype.newbyteorder("="))
    if code is None:
        names = ", ".join(str(dt.newbyteorder("=")) for dt in DTYPES.values())
        raise TypeError(f"write_idx: {path}: IDX has no dtype code for {arr.dtype}; "
                        f"use one of {names}")
    if arr.ndim > 255 or any(d >= 2**32 for d in arr.shape):
        raise ValueError(f"write_idx: {path}: shape {arr.shape} does not fit an IDX header")
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes()
    payload = np.ascontiguousarray(arr, DTYPES[code]).tobytes()
    opener = _gzip.open if gzip else open
    with opener(path, "wb") as f:
        f.write(header + payload)
    return path
