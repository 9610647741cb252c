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
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import warnings

import numpy as np

from .autograd.tensor import Tensor

_META_KEY = "__glassgrad__"
_NOTE_KEY = "__glassgrad_note__"  # human-readable; loading reads the "module" entry of _META_KEY
_FORMAT = 1


class CheckpointError(ValueError):
    """A file that is not a readable glassgrad/safetensors checkpoint."""


def _encode(obj, path, arrays):
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
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: dict keys must be str or int, got {k!r} at "
                                f"{path or 'the top level'}")
            items.append([k, _encode(v, f"{path}/{k}" if path else str(k), arrays)])
        return {"d": items}
    if isinstance(obj, (list, tuple)):
        enc = [_encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)]
        return {"u" if isinstance(obj, tuple) else "l": enc}
    raise TypeError(f"save: cannot save a {type(obj).__name__} at {path or 'the top level'}; "
                    "checkpoints hold tensors, arrays, numbers, strings, bools, None, and "
                    "dicts/lists/tuples of them")


def _decode(node, arrays, where):
    if "a" in node:
        arr = arrays[node["a"]]
        return Tensor(arr) if node["k"] == "tensor" else arr
    if "v" in node:
        return node["v"]
    if "d" in node:
        return {k: _decode(v, arrays, where) for k, v in node["d"]}
    if "l" in node:
        return [_decode(v, arrays, where) for v in node["l"]]
    if "u" in node:
        return tuple(_decode(v, arrays, where) for v in node["u"])
    raise CheckpointError(f"load: {where}: unknown entry {sorted(node)} in the structure")


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
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=folder)
    os.close(fd)
    try:
        save_file(arrays, tmp, metadata=meta)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _read_file_object(f, where):
    """(metadata, arrays) of a safetensors file read from a binary file object."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as load_bytes

    if not hasattr(f, "read"):
        raise TypeError(f"load: {where} is not readable (open it in 'rb' mode)")
    if isinstance(f, io.TextIOBase):
        raise TypeError(f"load: {where} must be opened in binary mode ('rb'), not text mode")
    data = f.read()
    if isinstance(data, str):
        raise TypeError(f"load: {where} must be opened in binary mode ('rb'), it returned str")
    data = bytes(data)
    try:
        arrays = load_bytes(data)
        # the header was just validated: 8 bytes of little-endian length, then JSON
        size = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8:8 + size]).get("__metadata__") or {}
    except (SafetensorError, ValueError, OSError) as e:
        raise CheckpointError(f"load: {where} is not a readable safetensors file (truncated "
                              f"or corrupt?): {e}") from None
    return meta, arrays


def load(path):
    """Read a checkpoint written by ``save``, or any safetensors file (a flat dict of Tensors).

    ``path`` is a filesystem path or a binary file object (read from its position, not
    closed). Nothing in the file can run code: arrays are raw bytes and the rest is JSON.
    A whole-model save (``gg.save(model, p)``) comes back as the model's state_dict, with a
    warning: build the model and call ``model.load_state_dict(gg.load(p))``.
    """
    from safetensors import SafetensorError, safe_open

    if _is_file(path):
        f, path = path, _file_name(path)
        meta, arrays = _read_file_object(f, path)
    else:
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: no such checkpoint: {path}")
        try:
            with safe_open(path, framework="np") as f:
                meta = f.metadata() or {}
                arrays = {k: f.get_tensor(k) for k in f.keys()}
        except (SafetensorError, OSError, ValueError) as e:
            raise CheckpointError(f"load: {path} is not a readable safetensors file (truncated "
                                  f"or corrupt?): {e}") from None
    if _META_KEY not in meta:
        return {k: Tensor(v) for k, v in arrays.items()}  # a plain safetensors file
    try:
        info = json.loads(meta[_META_KEY])
        tree = info["tree"]
    except (ValueError, KeyError, TypeError) as e:
        raise CheckpointError(f"load: {path}: damaged glassgrad metadata ({e})") from None
    if info.get("format") != _FORMAT:
        raise CheckpointError(f"load: {path}: unsupported checkpoint format "
                              f"{info.get('format')!r} (this glassgrad reads {_FORMAT})")
    try:
        out = _decode(tree, arrays, path)
    except KeyError as e:
        raise CheckpointError(f"load: {path}: the structure refers to a missing array {e}") \
            from None
    if "module" in info:
        warnings.warn(f"load: {path} is a whole-model save of {info['module']}; only its "
                      "weights are stored, so this returns its state_dict, not a model. "
                      "Build the model and call model.load_state_dict(gg.load(...)).",
                      UserWarning, stacklevel=2)
    return out
