"""IDX files, the format MNIST and Fashion-MNIST ship in, gzipped or not.

Layout (all big-endian)::

    0x00 0x00 <type> <ndim>        magic number
    ndim x uint32                  dims
    prod(dims) x <type>            payload, row-major

Gzip is detected by its magic bytes (0x1f 0x8b), not by the file name. Sizes are checked
while streaming: the payload is read (and decompressed) only up to the size its header
declares, plus one byte to detect trailing data.
"""

from __future__ import annotations

import gzip as _gzip
import math
import os
import stat
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


_CHUNK = 1 << 20  # bytes asked of the stream at a time


class _Gunzip:
    """A gzip stream (one or more members) that decompresses no more than it is asked for.

    ``gzip.open`` reads ahead through a buffer; here ``read(n)`` inflates at most ``n``
    bytes, so a small file that inflates to gigabytes costs only what the reader asks for.
    """

    def __init__(self, f, path):
        self.f, self.path = f, path
        self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip wrapper, CRC checked at the end
        self.pending = b""  # compressed bytes read but not yet fed to self.z
        self.done = False

    def _error(self, why):
        return IDXError(f"{self.path}: corrupt or truncated gzip stream ({why})")

    def _next_member(self):
        """At the end of a member: start the next one, or note the end of the file."""
        rest = self.z.unused_data
        while len(rest) < 2:
            more = self.f.read(_CHUNK)
            if not more:
                break
            rest += more
        if not rest:
            self.done = True
        elif rest[:2] != _GZIP_MAGIC:
            raise self._error(f"{len(rest)}+ bytes of trailing data after the gzip stream")
        else:
            self.z, self.pending = zlib.decompressobj(16 + zlib.MAX_WBITS), rest

    def read(self, n):
        """Up to ``n`` decompressed bytes; b"" only at the end of the stream."""
        while n > 0 and not self.done:
            if self.z.eof:
                self._next_member()
                continue
            if not self.pending:
                self.pending = self.f.read(_CHUNK)
                if not self.pending:
                    raise self._error("the file ends before the end-of-stream marker")
            try:
                out = self.z.decompress(self.pending, n)
            except zlib.error as e:
                raise self._error(e) from None
            self.pending = self.z.unconsumed_tail
            if out:
                return out
        return b""


def _read_upto(stream, n):
    """Exactly ``n`` bytes from ``stream``, or fewer at its end, read in bounded chunks."""
    if n <= _CHUNK:
        parts, have = [], 0
        while have < n:
            part = stream.read(n - have)
            if not part:
                break
            parts.append(part)
            have += len(part)
        return b"".join(parts)
    buf = bytearray()
    while len(buf) < n:  # grows with what the stream really holds, not with what was claimed
        part = stream.read(min(_CHUNK, n - len(buf)))
        if not part:
            break
        buf += part
    return buf


def read_idx(path, *, max_bytes=None) -> np.ndarray:
    """Read an IDX file (plain or gzipped) into a native-endian ndarray of its dims.

    The payload is read while checking it against the size the header declares: at most that
    many bytes plus one are ever read or decompressed, so a gzip bomb or a header claiming a
    huge array costs no more memory than the data really present. ``max_bytes`` (optional)
    refuses a header declaring a larger payload before any of it is read.

    Raises IDXError (a ValueError) naming the file when the magic number, the dtype code,
    the dims or the payload size is wrong, or the gzip stream is corrupt.
    """
    path = os.fspath(path)
    # O_NONBLOCK: opening a FIFO with no writer returns at once, and is then refused
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise IDXError(f"{path}: not a regular file (a directory, FIFO or device)")
    with open(fd, "rb") as f:
        gzipped = f.read(2) == _GZIP_MAGIC
        f.seek(0)
        stream = _Gunzip(f, path) if gzipped else f
        return _read_stream(stream, path, None if gzipped else st.st_size, max_bytes)


def _read_stream(stream, path, file_size, max_bytes):
    """``file_size`` is the plain file's size (None when gzipped: only the stream knows)."""
    magic = _read_upto(stream, 4)
    if len(magic) < 4:
        raise IDXError(f"{path}: file has {len(magic)} bytes, too short for the 4-byte IDX "
                       f"magic number")
    zero, code, ndim = magic[:2], magic[2], magic[3]
    if zero != b"\x00\x00":
        raise IDXError(f"{path}: bad magic number 0x{int.from_bytes(magic, 'big'):08X}; an IDX "
                       f"file starts with 0x00 0x00, a dtype code and the number of dims (is it "
                       f"an IDX file?)")
    if code not in DTYPES:
        raise IDXError(f"{path}: unknown dtype code 0x{code:02X} in the magic number; "
                       f"expected one of {_known_codes()}")
    header = 4 + 4 * ndim
    raw_dims = _read_upto(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise IDXError(f"{path}: header declares {ndim} dims ({header} header bytes) but the "
                       f"file has only {4 + len(raw_dims)} bytes")
    dims = tuple(int(d) for d in np.frombuffer(raw_dims, ">u4"))
    dtype = DTYPES[code]
    need = math.prod(dims) * dtype.itemsize
    unit = "" if dtype.itemsize == 1 else f" ({dtype.itemsize}-byte {_NAMES[code]})"
    if max_bytes is not None and need > max_bytes:
        raise IDXError(f"{path}: dims {dims}{unit} declare a {need}-byte payload, more than "
                       f"the {max_bytes} bytes allowed here")
    if file_size is not None and file_size - header != need:
        raise IDXError(f"{path}: payload has {file_size - header} bytes but dims "
                       f"{dims}{unit} need {need}")
    payload = _read_upto(stream, need + 1)  # one byte more tells trailing data apart
    if len(payload) != need:
        have = f"{len(payload)} bytes" if len(payload) < need else f"more than {need} bytes " \
            "(trailing data)"
        raise IDXError(f"{path}: payload has {have} but dims {dims}{unit} need {need}")
    arr = np.frombuffer(payload, dtype).reshape(dims)
    if not arr.flags.writeable:  # a small payload came as bytes
        return arr.astype(dtype.newbyteorder("="))  # a writable, native-endian copy
    if not dtype.isnative:  # a bytearray: swap in place rather than holding two copies
        arr = arr.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return arr


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
