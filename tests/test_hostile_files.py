"""Hostile and broken files: gg.load and read_idx refuse each with a clear error, in bounded
time and memory. Every file is made here, in tmp_path."""

import gzip
import io
import json
import os
import pickle
import stat
import struct
import threading
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import glassgrad as gg
from checkpoint_helpers import PicklePayload
from glassgrad import serialization
from glassgrad.data import IDXError, read_idx, write_idx
from glassgrad.serialization import MAX_DEPTH, CheckpointError
from torch_ref import torch


def _st(path, header, data=b"", pad=True):
    """Write a safetensors file by hand: 8-byte little-endian length, JSON header, data."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


def _tree_file(path, tree, arrays=None):
    """A glassgrad checkpoint whose metadata tree is ``tree`` (not checked on the way out)."""
    from safetensors.numpy import save_file

    meta = {serialization._META_KEY: json.dumps({"format": 1, "tree": tree})}
    save_file(arrays or {"w": np.ones(2, np.float32)}, str(path), metadata=meta)
    return path


def _refused(path, *patterns):
    with pytest.raises(CheckpointError) as info:
        gg.load(path)
    msg = str(info.value)
    assert msg.startswith(f"load: {path}"), msg
    for p in patterns:
        assert p in msg, msg
    return msg


# ------------------------------------------------------------------ dtypes numpy lacks
def test_bf16_loads_as_float32_with_a_note(tmp_path):
    x = np.array([1.0, -2.5, 3.140625, 0.0, np.inf, -1e-3, 65280.0], np.float32)
    raw = (x.view(np.uint32) >> 16).astype("<u2").tobytes()  # bf16: the top 16 bits
    p = _st(tmp_path / "bf16.safetensors",
            {"w": {"dtype": "BF16", "shape": [7], "data_offsets": [0, 14]}}, raw)
    with pytest.warns(UserWarning, match=r"bf16.safetensors: 1 tensor\(s\) stored as BF16 "
                      r"\('w'\) were converted to float32"):
        out = gg.load(p)
    assert out["w"].dtype == gg.float32
    expect = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_array_equal(out["w"].numpy(), expect)
    assert out["w"].numpy()[1] == -2.5 and out["w"].numpy()[2] == 3.140625


def test_bf16_from_torch_loads(tmp_path):
    if torch is None:
        pytest.skip("torch is not installed")
    from safetensors.torch import save_file

    w = torch.randn(3, 5, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    save_file({"w": w, "b": torch.ones(2)}, str(tmp_path / "t.safetensors"))
    with pytest.warns(UserWarning, match="BF16"):
        out = gg.load(tmp_path / "t.safetensors")
    np.testing.assert_array_equal(out["w"].numpy(), w.float().numpy())
    assert out["w"].shape == (3, 5) and out["b"].dtype == gg.float32


# known values: E4M3 (bias 7, no inf, S.1111.111 is NaN), E5M2 (bias 15, IEEE inf/NaN)
F8_KNOWN = {
    "F8_E4M3": {0x00: 0.0, 0x38: 1.0, 0xB8: -1.0, 0x7E: 448.0, 0x01: 2.0 ** -9,
                0x08: 2.0 ** -6, 0x40: 2.0, 0x7F: np.nan, 0xFF: np.nan, 0x78: 256.0},
    "F8_E5M2": {0x00: 0.0, 0x3C: 1.0, 0xBC: -1.0, 0x7B: 57344.0, 0x01: 2.0 ** -16,
                0x7C: np.inf, 0xFC: -np.inf, 0x7D: np.nan, 0x04: 2.0 ** -14},
    "F8_E4M3FNUZ": {0x40: 1.0, 0x80: np.nan, 0x7F: 240.0, 0x00: 0.0},
    "F8_E5M2FNUZ": {0x40: 1.0, 0x80: np.nan, 0x7F: 57344.0, 0x00: 0.0},
}


@pytest.mark.parametrize("dtype", sorted(F8_KNOWN))
def test_f8_loads_as_float32(tmp_path, dtype):
    raw = np.arange(256, dtype=np.uint8)
    p = _st(tmp_path / "f8.safetensors",
            {"q": {"dtype": dtype, "shape": [16, 16], "data_offsets": [0, 256]}}, raw.tobytes())
    with pytest.warns(UserWarning, match=dtype):
        out = gg.load(p)["q"].numpy().ravel()
    assert out.dtype == np.float32
    for byte, value in F8_KNOWN[dtype].items():
        np.testing.assert_equal(out[byte], np.float32(value), err_msg=f"{dtype} byte {byte:#x}")
    positive = out[1:0x80][np.isfinite(out[1:0x80])]
    assert positive[0] > 0 and np.all(np.diff(positive) > 0)  # codes increase with value
    np.testing.assert_array_equal(out[0x81:], -out[1:0x80])  # the sign bit mirrors them
    if torch is not None:
        tdt = {"F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2",
               "F8_E4M3FNUZ": "float8_e4m3fnuz", "F8_E5M2FNUZ": "float8_e5m2fnuz"}[dtype]
        if hasattr(torch, tdt):
            ref = torch.from_numpy(raw).view(getattr(torch, tdt)).float().numpy()
            np.testing.assert_array_equal(out, ref)


# ------------------------------------------------------------------ metadata trees
@pytest.mark.parametrize("tree, where, defect", [
    ("ab", "the top level", "is 'ab', not an entry"),  # was: string indices must be integers
    ({"d": [["model", {"d": "xy"}]]}, "at model", "not a list"),
    ({"d": [["k"]]}, "the top level", "not a [key, entry] pair"),  # too many/few to unpack
    ({"d": [[["k"], {"v": 1}]]}, "the top level", "keys are strings or integers"),  # unhashable
    ({"d": [[True, {"v": 1}]]}, "the top level", "keys are strings or integers"),
    ({"d": [["k", {"v": 1}], ["k", {"v": 2}]]}, "the top level", "the dict key 'k' twice"),
    ({"l": [{"v": 1}, {"v": [1, 2]}]}, "at 1", "a value is a number"),
    ({"u": {"v": 1}}, "the top level", "not a list"),
    ({"l": [{"zz": 1}]}, "at 0", "unknown entry 'zz'"),
    ({"d": [["m", {"l": [{}]}]]}, "at m/0", "not an entry"),
    ({"v": 1, "l": []}, "the top level", "has keys ['l', 'v']"),
    ({"d": [["w", {"a": 3, "k": "tensor"}]]}, "at w", "malformed array entry"),
    ({"d": [["w", {"a": "w", "k": "code"}]]}, "at w", "malformed array entry"),
    ({"d": [["w", {"a": "nope", "k": "tensor"}]]}, "at w", "missing array 'nope'"),
])
def test_malformed_trees_name_the_path(tmp_path, tree, where, defect):
    p = _tree_file(tmp_path / "tree.safetensors", tree)
    msg = _refused(p, "damaged glassgrad metadata", defect)
    assert f"structure {where}" in msg or f"structure at {where.removeprefix('at ')}" in msg


@pytest.mark.parametrize("info", ['"x"', "[1]", '{"format": 1}', '{"format": 1, "tree": {"v": 1}, '
                                  '"tree": {"v": 2}}', "{", '{"format": 1, "tree": {"v": 1}, '
                                  '"module": 3}'])
def test_damaged_glassgrad_metadata(tmp_path, info):
    from safetensors.numpy import save_file

    p = tmp_path / "meta.safetensors"
    save_file({"w": np.ones(1)}, str(p), metadata={serialization._META_KEY: info})
    _refused(p, "damaged glassgrad metadata")


# ------------------------------------------------------------------ nesting depth
def _nested(depth):
    obj = 1
    for _ in range(depth):
        obj = [obj]
    return obj


def test_depth_is_bounded_alike_in_save_and_load(tmp_path):
    p = tmp_path / "deep.safetensors"
    gg.save({"x": _nested(MAX_DEPTH - 1), "w": gg.ones(2)}, p)  # the dict is one more level
    assert gg.load(p)["x"] == _nested(MAX_DEPTH - 1)
    with pytest.raises(ValueError, match=r"nests more than MAX_DEPTH = 100 containers deep at "
                       r"x(/0)+ .*load would refuse it"):
        gg.save({"x": _nested(MAX_DEPTH)}, tmp_path / "no.safetensors")
    with pytest.raises(ValueError, match="nests more than MAX_DEPTH"):
        gg.save(_nested(450), tmp_path / "no.safetensors")  # the case
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contain itself"):
        gg.save(loop, tmp_path / "no.safetensors")
    assert not (tmp_path / "no.safetensors").exists()

    tree = {"v": 1}
    for _ in range(MAX_DEPTH + 1):
        tree = {"l": [tree]}
    _refused(_tree_file(tmp_path / "t.safetensors", tree), "nests more than MAX_DEPTH")


def test_json_nested_past_the_recursion_limit_is_refused(tmp_path):
    from safetensors.numpy import save_file

    p = tmp_path / "deep-meta.safetensors"
    save_file({"w": np.ones(1)}, str(p),
              metadata={serialization._META_KEY: "[" * 100_000 + "]" * 100_000})
    _refused(p, "nests too deeply")
    q = _st(tmp_path / "deep-header.safetensors", b'{"a":' + b"[" * 100_000 + b"]" * 100_000
            + b"}")
    _refused(q, "the JSON header nests too deeply")


# ------------------------------------------------------------------ not regular files
def test_a_fifo_with_no_writer_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    result = []

    def run():
        try:
            gg.load(fifo)
        except Exception as e:  # noqa: BLE001 - the test inspects it below
            result.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=10)
    if t.is_alive():  # a regression: unblock the reader so the thread can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("gg.load hung on a FIFO with no writer")
    assert isinstance(result[0], CheckpointError)
    assert f"{fifo} is a named pipe (FIFO), not a checkpoint file" in str(result[0])
    with pytest.raises(IDXError, match="not a regular file"):
        read_idx(fifo)


def test_directories_and_devices_are_refused(tmp_path):
    _refused(tmp_path, "directory")
    if os.path.exists("/dev/zero"):
        with pytest.raises(CheckpointError, match="/dev/zero is a device"):
            gg.load("/dev/zero")


# ------------------------------------------------------------------ foreign and broken files
def test_pickles_and_zips_point_to_safetensors(tmp_path):
    PicklePayload.marker = tmp_path / "pwned"
    p = tmp_path / "evil.pt"
    p.write_bytes(pickle.dumps({"w": PicklePayload()}))
    _refused(p, "PyTorch pickle", "never loads pickle", "save with safetensors")
    assert not PicklePayload.marker.exists()
    z = tmp_path / "model.pt"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("archive/data.pkl", pickle.dumps({"w": 1}))
    _refused(z, "PyTorch zip checkpoint", "never loads pickle")
    if torch is not None:
        t = tmp_path / "torch.pt"
        torch.save({"w": torch.ones(2)}, t)
        _refused(t, "PyTorch zip checkpoint")
        torch.save({"w": torch.ones(2)}, t, _use_new_zipfile_serialization=False)
        _refused(t, "PyTorch pickle")
    n = tmp_path / "a.npy"
    np.save(n, np.ones(3))
    _refused(n, "NumPy .npy")


W = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}


@pytest.mark.parametrize("name, header, data, defect", [
    ("empty", None, b"", "the file is empty (0 bytes)"),
    ("short", None, b"\x10\x00\x00", "has 3 bytes, too short"),
    ("negative", None, struct.pack("<q", -8) + b"{}", "is absurd"),
    ("absurd", None, struct.pack("<Q", 10**12) + b"{}", "is absurd"),
    ("past-end", None, struct.pack("<Q", 4096) + b"{}", "runs past the end of the file"),
    ("list", [1, 2], b"", "the JSON header is [1, 2], not an object"),
    ("number", 3, b"", "not an object"),
    ("bad-json", b'{"w": ', b"", "the JSON header is not valid JSON"),
    ("not-utf8", b'{"\xff": 1}', b"", "not UTF-8"),
    ("dup-top", b'{"w": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}, '
                b'"w": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}', bytes(4),
     "has the key 'w' twice"),
    ("dup-field", b'{"w": {"dtype": "F32", "dtype": "F64", "shape": [], '
                  b'"data_offsets": [0, 4]}}', bytes(4), "has the key 'dtype' twice"),
    ("entry", {"w": [1]}, b"", "tensor 'w' is described by [1], not an object"),
    ("no-dtype", {"w": {"shape": [1], "data_offsets": [0, 4]}}, bytes(4), "has no dtype"),
    ("dtype", {"w": {**W["w"], "dtype": "F128"}}, bytes(16), "unknown dtype 'F128'"),
    ("neg-shape", {"w": {**W["w"], "shape": [-2, -2]}}, bytes(16), "has the shape [-2, -2]"),
    ("float-shape", {"w": {**W["w"], "shape": [2.0, 2]}}, bytes(16), "has the shape"),
    ("offsets", {"w": {**W["w"], "data_offsets": [16, 0]}}, bytes(16), "0 <= begin <= end"),
    ("size", {"w": {**W["w"], "shape": [2, 3]}}, bytes(16), "needs 24 bytes but data_offsets"),
    ("overlap", {**W, "v": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}},
     bytes(16), "overlaps tensor 'w', which ends at 16"),
    ("gap", {"w": {**W["w"], "data_offsets": [4, 20]}}, bytes(20),
     "gap of 4 bytes at the start of the data"),
    ("truncated", W, bytes(10), "describes 16 bytes of tensor data but the file holds 10"),
    ("trailing", W, bytes(20), "4 bytes of trailing data"),
    ("meta", {**W, "__metadata__": {"a": 1}}, bytes(16), "__metadata__ is"),
    ("meta-list", {**W, "__metadata__": [1]}, bytes(16), "__metadata__ is [1]"),
])
def test_broken_files_name_file_and_defect(tmp_path, name, header, data, defect):
    p = tmp_path / f"{name}.safetensors"
    if header is None:
        p.write_bytes(data)
    else:
        _st(p, header, data)
    _refused(p, defect)
    with pytest.raises(CheckpointError, match="BytesIO"):  # file objects get the same checks
        gg.load(io.BytesIO(p.read_bytes()))


def test_every_cut_and_random_bytes_are_refused(tmp_path):
    buf = io.BytesIO()
    gg.save({"model": {"w": gg.ones(3, 4), "b": gg.zeros(4)}, "epoch": 2}, buf)
    data = buf.getvalue()
    p = tmp_path / "cut.safetensors"
    for n in [*range(200), *range(200, len(data), 7)]:  # a checkpoint cut at many lengths
        p.write_bytes(data[:n])
        with pytest.raises(CheckpointError, match="cut.safetensors"):
            gg.load(p)
    rng = np.random.default_rng(0)
    for _ in range(50):
        p.write_bytes(rng.bytes(int(rng.integers(1, 300))))
        with pytest.raises(CheckpointError, match="cut.safetensors"):
            gg.load(p)


# ------------------------------------------------------------------ valid files still load
def test_every_numpy_dtype_and_shape_round_trips(tmp_path):
    from safetensors.numpy import load_file, save_file

    rng = np.random.default_rng(0)
    arrays = {dt: (rng.standard_normal((2, 3)) * 9).astype(dt) for dt in
              ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
               "uint16", "uint32", "uint64", "bool"]}
    arrays.update({"scalar": np.array(3.5), "empty": np.zeros((0, 4), np.float32),
                   "odd": np.arange(3, dtype=np.uint8)})
    p = tmp_path / "all.safetensors"
    save_file(arrays, str(p))
    out = gg.load(p)
    assert list(out) == sorted(arrays)
    theirs = load_file(str(p))  # what the old loader, safetensors' own, gave
    for k, v in arrays.items():
        np.testing.assert_array_equal(theirs[k], v)
        ref = gg.Tensor(theirs[k])  # glassgrad keeps uint16..uint64 as signed ints
        np.testing.assert_array_equal(out[k].numpy(), ref.numpy())
        assert out[k].dtype == ref.dtype and out[k].shape == v.shape
        assert out[k].numpy().flags.aligned and out[k].numpy().flags.writeable


def test_many_tiny_tensors_load_in_one_pass(tmp_path, monkeypatch):
    import safetensors
    import safetensors.numpy

    n = 20_000
    header = {f"t{i}": {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
              for i in range(n)}
    p = _st(tmp_path / "many.safetensors", header, np.arange(n, dtype="<f4").tobytes())

    def per_tensor_reader(*args, **kwargs):
        raise AssertionError("gg.load used safetensors' per-tensor reader")

    monkeypatch.setattr(safetensors, "safe_open", per_tensor_reader)
    monkeypatch.setattr(safetensors.numpy, "load", per_tensor_reader)
    out = gg.load(p)
    assert len(out) == n and out["t12345"].item() == 12345.0


# ------------------------------------------------------------------ bounded memory
def _peak(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_huge_claim_in_a_short_file_allocates_nothing(tmp_path):
    big = {"w": {"dtype": "F64", "shape": [2**37], "data_offsets": [0, 2**40]}}
    p = _st(tmp_path / "claim.safetensors", big, bytes(64))

    def load_path():
        with pytest.raises(CheckpointError, match="describes 1099511627776 bytes"):
            gg.load(p)

    def load_file_object():
        with pytest.raises(CheckpointError, match="truncated"):
            gg.load(io.BytesIO(p.read_bytes()))

    assert _peak(load_path) < 1 << 20
    assert _peak(load_file_object) < 1 << 20


# ------------------------------------------------------------------ IDX files
def _gzip_bomb(path, header, zero_mb):
    """``header`` then ``zero_mb`` MiB of zeros, gzipped into about 1 KB per MiB.

    One MiB of zeros is deflated once after a full flush, so its blocks can be repeated;
    the trailer holds the true CRC and length, so the file is valid gzip."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(1 << 20)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()
    crc = zlib.crc32(header)
    for _ in range(zero_mb):
        crc = zlib.crc32(zeros, crc)
    size = (len(header) + (zero_mb << 20)) & 0xFFFFFFFF
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + start + block * zero_mb
                     + end + struct.pack("<II", crc, size))
    return path


def test_a_gzip_bomb_stops_one_byte_past_its_header(tmp_path):
    header = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1)  # says: 1 ubyte
    p = _gzip_bomb(tmp_path / "bomb.gz", header, 100)
    assert p.stat().st_size < 200_000
    with gzip.open(p) as f:  # the bomb is real: its start is the header, then zeros
        assert f.read(4096) == header + bytes(4096 - len(header))

    def read():
        with pytest.raises(IDXError, match=r"bomb.gz: payload has more than 1 bytes \(trailing "
                           r"data\) but dims \(1,\) need 1"):
            read_idx(p)

    assert _peak(read) < 4 << 20  # was over 1 GB


def test_a_huge_idx_claim_reads_only_what_is_there(tmp_path):
    header = bytes([0, 0, 0x0D, 3]) + struct.pack(">III", 60000, 60000, 60000)  # 864 TB
    p = tmp_path / "claim.gz"
    p.write_bytes(gzip.compress(header + bytes(100)))

    def read():
        with pytest.raises(IDXError, match=r"claim.gz: payload has 100 bytes but dims "
                           r"\(60000, 60000, 60000\) \(4-byte float\) need 864000000000000"):
            read_idx(p)

    assert _peak(read) < 4 << 20
    with pytest.raises(IDXError, match="declare a 864000000000000-byte payload, more than the "
                       "1000 bytes allowed"):
        read_idx(p, max_bytes=1000)
    q = tmp_path / "claim"
    q.write_bytes(header + bytes(100))
    with pytest.raises(IDXError, match="payload has 100 bytes but dims"):
        read_idx(q)


def test_gzip_members_trailing_garbage_and_truncation(tmp_path):
    arr = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    raw = open(write_idx(tmp_path / "a", arr), "rb").read()
    two = tmp_path / "two.gz"
    two.write_bytes(gzip.compress(raw[:10]) + gzip.compress(raw[10:]))  # members, as gzip -c
    np.testing.assert_array_equal(read_idx(two), arr)
    junk = tmp_path / "junk.gz"
    junk.write_bytes(gzip.compress(raw) + b"junk")
    with pytest.raises(IDXError, match="junk.gz: corrupt or truncated gzip stream .*trailing"):
        read_idx(junk)
    crc = bytearray(gzip.compress(raw))
    crc[-8] ^= 0xFF
    (tmp_path / "crc.gz").write_bytes(bytes(crc))
    with pytest.raises(IDXError, match="crc.gz: corrupt or truncated gzip stream"):
        read_idx(tmp_path / "crc.gz")
    for n in range(len(gzip.compress(raw))):
        (tmp_path / "cut.gz").write_bytes(gzip.compress(raw)[:n])
        with pytest.raises(IDXError, match="cut.gz"):
            read_idx(tmp_path / "cut.gz")


def test_saved_files_get_the_umask_mode_not_mkstemps_0600(tmp_path):
    """A checkpoint is readable as any new file would be (mkstemp and safetensors give 0600)."""
    old = os.umask(0o022)
    try:
        gg.save({"w": gg.ones(2)}, tmp_path / "a.safetensors")
        os.umask(0o077)
        gg.save({"w": gg.ones(2)}, tmp_path / "b.safetensors")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.safetensors").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.safetensors").stat().st_mode) == 0o600


@pytest.mark.parametrize("length", [0x0280, 0x0380, 0x0480, 0x0580, 0x4B50, 0x4E93])
def test_a_valid_header_whose_length_looks_like_a_signature_loads(tmp_path, length):
    """A header of 640 bytes starts 80 02 (a pickle's first bytes), one of 19280 bytes starts
    "PK": valid files, which torch's safetensors writes, must not be taken for pickles or zips."""
    data = np.arange(6, dtype=np.float32).tobytes()
    header = {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, len(data)]}}
    text = json.dumps(header).encode()
    text += b" " * (length - len(text))
    path = tmp_path / "t.safetensors"
    path.write_bytes(length.to_bytes(8, "little") + text + data)
    for source in (path, io.BytesIO(path.read_bytes())):
        loaded = gg.load(source)
        np.testing.assert_array_equal(loaded["w"].numpy(), np.arange(6).reshape(2, 3))
