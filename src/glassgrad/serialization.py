"""``gg.save`` and ``gg.load``: checkpoints in safetensors, never pickle.

A checkpoint is any nesting of dicts, lists and tuples whose leaves are Tensors, numpy
arrays, numbers, strings, bools or None: a model's state_dict, or
``{"model": ..., "optimizer": ..., "scheduler": ..., "epoch": 3, "rng": ...}``.

- Arrays go into the safetensors file under their path (``model/0.weight``). A flat dict of
  arrays keeps its own keys, so ``gg.save(model.state_dict(), p)`` writes exactly what
  ``safetensors.torch.load_file`` hands to a torch model, and a torch state_dict saved with
  safetensors loads back into the glassgrad model.
- Everything else is JSON in the file's metadata, so loading can only ever produce data:
  there is nothing to execute.
- Writes to a path are atomic: a temporary file in the same directory, flushed and fsynced,
  then renamed over the target. A crash mid-save leaves the previous checkpoint intact.
- ``path`` may also be a binary file object (``io.BytesIO``, ``open(p, "wb")`` / ``"rb"``):
  the file is written or read from its current position and left open.
- ``gg.save(model, p)`` with an ``nn.Module`` is a whole-model save as in torch, but only the
  weights are stored (the model's state_dict, with torch's keys) plus a note naming the class.
  Code is never stored, so ``gg.load`` of such a file returns the state_dict and warns: build
  the model and call ``model.load_state_dict(gg.load(p))``.
- Loading parses the safetensors header itself (8 bytes of little-endian length, then JSON)
  and checks every field before reading any data: dtypes, shapes, offsets (in range,
  contiguous, non-overlapping, of the size the shape needs) and the file's length. Anything
  else raises ``CheckpointError`` naming the file and the defect. Memory stays within about
  the file's size, and time is linear in it. Only regular files are opened (a FIFO or a
  device is refused at once). Tensors stored as BF16 or 8-bit floats (F8_E4M3, F8_E5M2 and
  their FNUZ variants), which numpy lacks, load as float32 with a warning saying so.
- Checkpoints nest at most ``MAX_DEPTH`` (100) containers deep, in ``save`` and in ``load``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import math
import os
import reprlib
import stat
import tempfile
import warnings

import numpy as np

from .autograd.tensor import Tensor

_META_KEY = "__glassgrad__"
_NOTE_KEY = "__glassgrad_note__"  # human-readable; loading reads the "module" entry of _META_KEY
_FORMAT = 1
MAX_DEPTH = 100  # containers nested in a checkpoint, in save and in load
_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header, in bytes
_CHUNK = 1 << 24  # bytes read at a time from a file object

# safetensors dtype -> numpy dtype, for the types numpy holds
_NUMPY = {"BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2", "F16": "<f2",
          "U32": "<u4", "I32": "<i4", "F32": "<f4", "U64": "<u8", "I64": "<i8", "F64": "<f8",
          "C64": "<c8"}
_NUMPY = {k: np.dtype(v) for k, v in _NUMPY.items()}
# stored types numpy lacks, loaded as float32: name -> bytes per item
_WIDENED = {"BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "F8_E4M3FNUZ": 1, "F8_E5M2FNUZ": 1}
_ITEMSIZE = {**{k: v.itemsize for k, v in _NUMPY.items()}, **_WIDENED}


def umask():
    """The process umask, read without changing it where the system allows (Linux's
    /proc/self/status); elsewhere set and restored at once."""
    try:
        with open("/proc/self/status") as f:
            line = next(ln for ln in f if ln.startswith("Umask:"))
        return int(line.split()[1], 8)
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def file_mode():
    """The mode ``open(path, "w")`` gives a new file: 0o666 minus the umask (``mkstemp``, and
    safetensors after it, leave 0600)."""
    return 0o666 & ~umask()


TMP_PREFIX = ".tmp-"  # temporary files of atomic writes; a killed writer leaves only these


def _fsync_folder(folder):
    """Make a rename in ``folder`` durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """``with atomic_path(p) as tmp: write tmp``: ``p`` then appears complete or not at all.

    ``tmp`` is a new file in ``p``'s folder (``.tmp-*``); after the block it is fsynced, given
    the mode a new file gets (``file_mode``) and renamed over ``p``, and the rename is made
    durable. If the block raises, ``tmp`` is removed and ``p`` is left as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_folder(folder)


class CheckpointError(ValueError):
    """A file that is not a readable glassgrad/safetensors checkpoint."""


def _encode(obj, path, arrays, depth=0):
    """Turn ``obj`` into a JSON-able tree; arrays are moved into ``arrays`` by path."""
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        arr = obj._data if isinstance(obj, Tensor) else np.asarray(obj)
        if arr.dtype == object:
            raise TypeError(f"save: {path or 'the value'} is an object array; only numeric "
                            "arrays can be saved")
        key = path or "tensor"
        if key in arrays:
            raise ValueError(f"save: two values map to the key {key!r}")
        arrays[key] = arr if arr.flags.c_contiguous else arr.copy(order="C")  # keeps 0-d
        return {"a": key, "k": "tensor" if isinstance(obj, Tensor) else "ndarray"}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"v": obj}
    if isinstance(obj, (dict, list, tuple)) and depth >= MAX_DEPTH:
        raise ValueError(f"save: the checkpoint nests more than MAX_DEPTH = {MAX_DEPTH} "
                         f"containers deep at {path or 'the top level'} (does a list or dict "
                         "contain itself?); load would refuse it")
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} at "
                                f"{path or 'the top level'}")
            items.append([k, _encode(v, f"{path}/{k}" if path else str(k), arrays, depth + 1)])
        return {"d": items}
    if isinstance(obj, (list, tuple)):
        enc = [_encode(v, f"{path}/{i}" if path else str(i), arrays, depth + 1)
               for i, v in enumerate(obj)]
        return {"u" if isinstance(obj, tuple) else "l": enc}
    raise TypeError(f"save: cannot save a {type(obj).__name__} at {path or 'the top level'}; "
                    "checkpoints hold tensors, arrays, numbers, strings, bools, None, and "
                    "dicts/lists/tuples of them")


class _TreeError(Exception):
    """A defect in the glassgrad metadata tree at ``path``; load adds the file's name."""

    def __init__(self, path, defect):
        super().__init__(f"the structure at {path or 'the top level'} {defect}")


_SHOW = reprlib.Repr()  # bounded in depth and length: a hostile value is never printed whole
_SHOW.maxlevel, _SHOW.maxstring, _SHOW.maxother, _SHOW.maxlist, _SHOW.maxdict = 3, 40, 40, 6, 4


def _show(node):
    return _SHOW.repr(node)


def _decode(node, arrays, path="", depth=0):
    """Rebuild what ``_encode`` wrote, checking each node's shape before using it."""
    if not isinstance(node, dict) or not node:
        raise _TreeError(path, f"is {_show(node)}, not an entry such as {{\"v\": 1}}")
    if "a" in node:
        name, kind = node["a"], node.get("k")
        if set(node) != {"a", "k"} or not isinstance(name, str) \
                or kind not in ("tensor", "ndarray"):
            raise _TreeError(path, f"is a malformed array entry {_show(node)}")
        if name not in arrays:
            raise _TreeError(path, f"refers to a missing array {name!r}")
        return Tensor(arrays[name]) if kind == "tensor" else arrays[name]
    if len(node) != 1:
        raise _TreeError(path, f"has keys {sorted(node)}; an entry has one of a, v, d, l, u")
    (tag, body), = node.items()
    if tag == "v":
        if body is not None and not isinstance(body, (bool, int, float, str)):
            raise _TreeError(path, f"holds {_show(body)}; a value is a number, a string, a "
                             "bool or null")
        return body
    if tag not in ("d", "l", "u"):
        raise _TreeError(path, f"has the unknown entry {tag!r}")
    if not isinstance(body, list):
        raise _TreeError(path, f"holds {_show(body)} under {tag!r}, not a list")
    if depth >= MAX_DEPTH:
        raise _TreeError(path, f"nests more than MAX_DEPTH = {MAX_DEPTH} containers deep")
    if tag != "d":
        items = [_decode(v, arrays, f"{path}/{i}" if path else str(i), depth + 1)
                 for i, v in enumerate(body)]
        return tuple(items) if tag == "u" else items
    out = {}
    for item in body:
        if not isinstance(item, list) or len(item) != 2:
            raise _TreeError(path, f"holds the dict item {_show(item)}, not a [key, entry] pair")
        k, v = item
        if not isinstance(k, (str, int)) or isinstance(k, bool):
            raise _TreeError(path, f"has the dict key {_show(k)}; keys are strings or integers")
        if k in out:
            raise _TreeError(path, f"has the dict key {k!r} twice")
        out[k] = _decode(v, arrays, f"{path}/{k}" if path else str(k), depth + 1)
    return out


def _is_file(f):
    return hasattr(f, "read") or hasattr(f, "write")


def _file_name(f):
    """How a path or file object is named in messages."""
    name = getattr(f, "name", None)
    if isinstance(name, (str, bytes, os.PathLike)):
        return os.fsdecode(name)
    return f"<{type(f).__name__}>"


def _whole_model(obj):
    """(state_dict, class name) for an nn.Module, else (obj, None)."""
    from .nn.module import Module

    if not isinstance(obj, Module):
        return obj, None
    cls = type(obj)
    return obj.state_dict(), f"{cls.__module__}.{cls.__qualname__}"


def save(obj, path):
    """Write ``obj`` (a state_dict, a nested dict of them, or an nn.Module) to ``path``.

    ``path`` is a filesystem path (written atomically) or a binary file object (written at
    its position, not closed). An ``nn.Module`` is saved as its state_dict, with torch's keys,
    and a note in the metadata naming its class: only the weights are stored, never code.
    """
    from safetensors.numpy import save as save_bytes
    from safetensors.numpy import save_file

    obj, model_class = _whole_model(obj)
    arrays = {}
    tree = _encode(obj, "", arrays)
    info = {"format": _FORMAT, "tree": tree}
    meta = {}
    if model_class is not None:
        info["module"] = model_class
        meta[_NOTE_KEY] = (f"whole-model save of {model_class}: only the weights (its "
                           "state_dict) are stored; build the model and call "
                           "model.load_state_dict(gg.load(file))")
    meta[_META_KEY] = json.dumps(info)
    if _is_file(path):
        if not hasattr(path, "write"):
            raise TypeError(f"save: {_file_name(path)} is not writable (open it in 'wb' mode)")
        try:
            path.write(save_bytes(arrays, metadata=meta))
        except TypeError as e:
            raise TypeError(f"save: {_file_name(path)} must be opened in binary mode "
                            f"('wb'): {e}") from None
        if hasattr(path, "flush"):
            path.flush()
        return
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_path(path, suffix=".safetensors") as tmp:
        save_file(arrays, tmp, metadata=meta)


class _Duplicate(Exception):
    pass


def _unique_pairs(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise _Duplicate(k)
            seen.add(k)
    return out


def _json(text, what):
    """Parse ``text`` (str or UTF-8 bytes); raise ValueError saying what is wrong with it."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = text.decode("utf-8")
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except _Duplicate as e:
        raise ValueError(f"{what} has the key {e.args[0]!r} twice") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{what} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    except RecursionError:
        raise ValueError(f"{what} nests too deeply to be read") from None
    except ValueError as e:  # json.JSONDecodeError
        raise ValueError(f"{what} is not valid JSON ({e})") from None


def _sniff(head):
    """A hint for well-known formats that are not safetensors, from the first bytes."""
    if head[:2] == b"PK":
        return ("this looks like a PyTorch zip checkpoint (torch.save's format); glassgrad "
                "never loads pickle: save with safetensors instead "
                "(safetensors.torch.save_file(model.state_dict(), path))")
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return ("this looks like a PyTorch pickle checkpoint (or another pickle); glassgrad "
                "never loads pickle: save with safetensors instead "
                "(safetensors.torch.save_file(model.state_dict(), path))")
    if head[:6] == b"\x93NUMPY":
        return "this is a NumPy .npy file, not safetensors; load it with numpy.load"
    return None


def _tensor_entry(name, info):
    """(dtype, shape, begin, end) of a header entry, or ValueError naming the defect."""
    try:  # the common case, checked with as little work per tensor as possible
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        size = _ITEMSIZE[dtype]
        if type(shape) is list and len(shape) <= 64 and type(begin) is int \
                and type(end) is int and 0 <= begin and type(info["data_offsets"]) is list:
            for d in shape:
                if type(d) is not int or d < 0:
                    break
                size *= d
            else:
                if end - begin == size:
                    return dtype, shape, begin, end
    except (TypeError, KeyError, ValueError):
        pass
    raise ValueError(_entry_defect(name, info))


def _entry_defect(name, info):
    """What is wrong with a header entry that ``_tensor_entry`` refused."""
    if not isinstance(info, dict):
        return f"tensor {name!r} is described by {_show(info)}, not an object"
    missing = [k for k in ("dtype", "shape", "data_offsets") if k not in info]
    if missing:
        return f"tensor {name!r} has no {', '.join(missing)}"
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in _ITEMSIZE:
        return (f"tensor {name!r} has the unknown dtype {_show(dtype)} (known: "
                f"{', '.join(_ITEMSIZE)})")
    if type(shape) is not list or len(shape) > 64 \
            or not all(type(d) is int and d >= 0 for d in shape):
        return (f"tensor {name!r} has the shape {_show(shape)}; a shape is a list of at most "
                "64 non-negative integers")
    if type(offsets) is not list or len(offsets) != 2 \
            or not all(type(o) is int and o >= 0 for o in offsets) or offsets[0] > offsets[1]:
        return (f"tensor {name!r} has data_offsets {_show(offsets)}; they are [begin, end] "
                "with 0 <= begin <= end")
    need = math.prod(shape) * _ITEMSIZE[dtype]
    return (f"tensor {name!r}: shape {shape} of {dtype} needs {need} bytes but data_offsets "
            f"{offsets} span {offsets[1] - offsets[0]}")


def _check_header(header):
    """(entries sorted by offset, metadata, data size) from a parsed header."""
    if not isinstance(header, dict):
        raise ValueError(f"the JSON header is {_show(header)}, not an object")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ValueError(f"__metadata__ is {_show(meta)}; it maps strings to strings")
    entries = []
    for name, info in header.items():
        if name != "__metadata__":
            dtype, shape, begin, end = _tensor_entry(name, info)
            entries.append((begin, end, name, dtype, shape))
    entries.sort()  # by offsets; names are unique, so shapes are never compared
    pos, prev = 0, None
    for begin, end, name, _, _ in entries:
        if begin != pos:
            if begin < pos:
                defect = f"overlaps tensor {prev!r}, which ends at {pos}"
            else:
                defect = f"leaves a gap of {begin - pos} bytes " + (
                    f"after tensor {prev!r}" if prev is not None else "at the start of the data")
            raise ValueError(f"tensor {name!r} (data_offsets [{begin}, {end}]) {defect}")
        pos, prev = end, name
    return entries, meta, pos


def _read_exact(read, n):
    """Up to ``n`` bytes from ``read``, in bounded chunks (fewer only at the end)."""
    buf = bytearray()
    while len(buf) < n:  # grows with what the file holds, not with what a header claims
        part = read(min(_CHUNK, n - len(buf)))
        if not part:
            break
        if isinstance(part, str):
            raise TypeError("it returned str")
        buf += part
    return buf


def _bf16(raw):
    return (raw.view("<u2").astype("<u4") << 16).view("<f4")


def _f8_table(exp_bits, bias, nan):
    """float32 value of each of the 256 bytes of an 8-bit float with ``exp_bits`` exponent
    bits. ``nan``: "ieee" (top exponent is inf/NaN), "fn" (only S.1111.111 is NaN, no inf) or
    "fnuz" (only 0x80 is NaN, no inf or -0)."""
    b = np.arange(256)
    man_bits = 7 - exp_bits
    e, m = (b >> man_bits) & ((1 << exp_bits) - 1), b & ((1 << man_bits) - 1)
    frac = m / (1 << man_bits)
    mag = np.where(e == 0, frac * 2.0 ** (1 - bias), (1 + frac) * 2.0 ** (e - bias))
    if nan == "ieee":
        top = e == (1 << exp_bits) - 1
        mag = np.where(top, np.where(m == 0, np.inf, np.nan), mag)
    elif nan == "fn":
        mag = np.where(b & 0x7F == 0x7F, np.nan, mag)
    val = np.where(b & 0x80, -mag, mag)
    if nan == "fnuz":
        val[0x80] = np.nan
    return val.astype(np.float32)


_F8 = {"F8_E4M3": (4, 7, "fn"), "F8_E5M2": (5, 15, "ieee"), "F8_E4M3FNUZ": (4, 8, "fnuz"),
       "F8_E5M2FNUZ": (5, 16, "fnuz")}


def _arrays(entries, buf):
    """The arrays described by ``entries``, as views of ``buf`` (uint8) where numpy can."""
    arrays, tables = {}, {}
    for begin, end, name, dtype, shape in entries:
        raw = buf[begin:end]
        np_dtype = _NUMPY.get(dtype)
        if np_dtype is not None:
            arr = raw.view(np_dtype)
            if begin % np_dtype.itemsize:
                arr = arr.copy()  # keep every array aligned
        elif dtype == "BF16":
            arr = _bf16(raw.copy() if begin % 2 else raw)
        else:
            if dtype not in tables:
                tables[dtype] = _f8_table(*_F8[dtype])
            arr = tables[dtype][raw]
        arrays[name] = arr if len(shape) == 1 else arr.reshape(shape)
    return arrays


def _parse(f, size):
    """(metadata, arrays, widened dtypes) of a safetensors file; ValueError names a defect.

    ``f`` is a binary file; ``size`` is its size when known (a path, read with readinto), else
    None (a file object, read from its position to its end in bounded chunks).
    """
    read = f.read
    head = _read_exact(read, 8)
    have = "" if size is None else f" ({size} bytes)"
    if not head:
        raise ValueError("the file is empty (0 bytes)")
    # Another format's signature is named only once the bytes fail as a safetensors header
    # length: a valid header of 640 bytes starts 80 02, as a pickle does.
    n = int.from_bytes(head, "little")
    if len(head) < 8 or n > _MAX_HEADER or n < 2 or (size is not None and 8 + n > size):
        hint = _sniff(head)
        if hint:
            raise ValueError(hint)
    if len(head) < 8:
        raise ValueError(f"the file has {len(head)} bytes, too short for the 8-byte header "
                         "length of a safetensors file")
    if n > _MAX_HEADER:
        raise ValueError(f"header length {n} is absurd (safetensors allows at most "
                         f"{_MAX_HEADER} bytes): not a safetensors file, or corrupt")
    if n < 2:
        raise ValueError(f"header length {n} is too small for a JSON object")
    if size is not None and 8 + n > size:
        raise ValueError(f"header length {n} runs past the end of the file{have}: truncated, "
                         "or not a safetensors file")
    raw = _read_exact(read, n)
    if len(raw) < n:
        raise ValueError(_sniff(head) or f"the file ends after {8 + len(raw)} bytes, inside "
                         f"the {n}-byte header: truncated")
    try:
        header = _json(raw, "the JSON header")
    except ValueError:
        hint = _sniff(head)
        if hint:
            raise ValueError(hint) from None
        raise
    del raw
    entries, meta, need = _check_header(header)
    del header  # only the entries are needed from here on
    if size is not None and size - 8 - n != need:
        found = size - 8 - n
        defect = "truncated" if found < need else f"{found - need} bytes of trailing data"
        raise ValueError(f"the header describes {need} bytes of tensor data but the file "
                         f"holds {found} after its header ({size} bytes in all): {defect}")
    if size is None:
        data = _read_exact(read, need + 1)  # one byte more tells trailing data apart
        if len(data) != need:
            defect = "truncated" if len(data) < need else "trailing data after it"
            found = len(data) if len(data) < need else f"more than {need}"
            raise ValueError(f"the header describes {need} bytes of tensor data but the file "
                             f"holds {found}: {defect}")
        buf = np.frombuffer(data, np.uint8) if need else np.empty(0, np.uint8)
    else:
        buf = np.empty(need, np.uint8)
        view, got = memoryview(buf), 0
        while got < need:
            k = f.readinto(view[got:])
            if not k:
                raise ValueError(f"the file shrank to {8 + n + got} bytes while being read")
            got += k
    widened = {name: dtype for _, _, name, dtype, _ in entries if dtype in _WIDENED}
    return meta, _arrays(entries, buf), widened


def _open_regular(path):
    """An unbuffered binary file for ``path`` and its size; only regular files are opened."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO with no writer cannot hang
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such checkpoint: {path}") from None
    except IsADirectoryError:
        raise CheckpointError(f"load: {path} is a directory, not a checkpoint file") from None
    except OSError as e:
        raise type(e)(e.errno, f"load: cannot open {path}: {e.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a named pipe (FIFO)"
                if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                or stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "not a regular file")
        raise CheckpointError(f"load: {path} is {kind}, not a checkpoint file")
    return os.fdopen(fd, "rb", buffering=0), st.st_size


def _read(path):
    """(name for messages, metadata, arrays, widened) of a path or a binary file object."""
    if _is_file(path):
        f, where = path, _file_name(path)
        if not hasattr(f, "read"):
            raise TypeError(f"load: {where} is not readable (open it in 'rb' mode)")
        if isinstance(f, io.TextIOBase):
            raise TypeError(f"load: {where} must be opened in binary mode ('rb'), not text "
                            "mode")
        size = None
    else:
        where = os.fspath(path)
        f, size = _open_regular(where)
    try:
        return (where, *_parse(f, size))
    except TypeError as e:
        if size is None and "str" in str(e):
            raise TypeError(f"load: {where} must be opened in binary mode ('rb'), it returned "
                            "str") from None
        raise
    except (ValueError, OSError) as e:
        raise CheckpointError(f"load: {where}: not a readable safetensors file: {e}") from None
    finally:
        if size is not None:
            f.close()


def load(path):
    """Read a checkpoint written by ``save``, or any safetensors file (a flat dict of Tensors).

    ``path`` is a filesystem path or a binary file object (read from its position, not
    closed). Nothing in the file can run code: arrays are raw bytes and the rest is JSON.
    A whole-model save (``gg.save(model, p)``) comes back as the model's state_dict, with a
    warning: build the model and call ``model.load_state_dict(gg.load(p))``.

    Every defect raises ``CheckpointError`` naming the file and what is wrong. BF16 and 8-bit
    float tensors load as float32, with a warning listing them.
    """
    enabled = gc.isenabled()
    gc.disable()  # a million tiny tensors make millions of objects, none of them cyclic
    try:
        out, notes = _load(path)
    finally:
        if enabled:
            gc.enable()
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return out


def _load(path):
    """(what load returns, warnings to give)."""
    path, meta, arrays, widened = _read(path)
    notes = []
    if widened:
        kinds = ", ".join(sorted(set(widened.values())))
        names = ", ".join(repr(k) for k in list(widened)[:3]) + (", ..." if len(widened) > 3
                                                                  else "")
        notes.append(f"load: {path}: {len(widened)} tensor(s) stored as {kinds} ({names}) "
                     "were converted to float32, which numpy can hold; saving writes them "
                     "back as F32")
    if _META_KEY not in meta:
        return {k: Tensor(arrays[k]) for k in sorted(arrays)}, notes  # a plain safetensors file
    try:
        info = _json(meta[_META_KEY], f"the {_META_KEY} metadata")
        if not isinstance(info, dict) or "tree" not in info:
            raise ValueError(f"the {_META_KEY} metadata is {_show(info)}, not an object with "
                             "a 'tree'")
    except ValueError as e:
        raise CheckpointError(f"load: {path}: damaged glassgrad metadata: {e}") from None
    if info.get("format") != _FORMAT:
        raise CheckpointError(f"load: {path}: unsupported checkpoint format "
                              f"{_show(info.get('format'))} (this glassgrad reads {_FORMAT})")
    module = info.get("module")
    if module is not None and not isinstance(module, str):
        raise CheckpointError(f"load: {path}: damaged glassgrad metadata: 'module' is "
                              f"{_show(module)}, not a class name")
    try:
        out = _decode(info["tree"], arrays)
    except _TreeError as e:
        raise CheckpointError(f"load: {path}: damaged glassgrad metadata: {e}") from None
    if module is not None:
        notes.append(f"load: {path} is a whole-model save of {module}; only its weights are "
                     "stored, so this returns its state_dict, not a model. Build the model "
                     "and call model.load_state_dict(gg.load(...)).")
    return out, notes
