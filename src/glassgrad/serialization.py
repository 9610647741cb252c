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
- Writes are atomic: a temporary file in the same directory, flushed and fsynced, then
  renamed over the target. A crash mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np

from .autograd.tensor import Tensor

_META_KEY = "__glassgrad__"
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


def save(obj, path):
    """Write ``obj`` (a state_dict or a nested dict of them) to ``path`` atomically."""
    from safetensors.numpy import save_file

    arrays = {}
    tree = _encode(obj, "", arrays)
    meta = {_META_KEY: json.dumps({"format": _FORMAT, "tree": tree})}
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


def load(path):
    """Read a checkpoint written by ``save``, or any safetensors file (a flat dict of Tensors).

    Nothing in the file can run code: arrays are raw bytes and the rest is JSON.
    """
    from safetensors import SafetensorError, safe_open

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such checkpoint: {path}")
    try:
        with safe_open(path, framework="np") as f:
            meta = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"load: {path} is not a readable safetensors file (truncated or "
                              f"corrupt?): {e}") from None
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
        return _decode(tree, arrays, path)
    except KeyError as e:
        raise CheckpointError(f"load: {path}: the structure refers to a missing array {e}") \
            from None
