"""glassgrad.nn.utils.rnn: batches of sequences of different lengths, as torch.nn.utils.rnn.

    pad_sequence          a list of (L_i, *) tensors -> (L_max, B, *) (or (B, L_max, *))
    pack_padded_sequence  (T, B, *) and the lengths -> PackedSequence, the valid steps only,
                          time-major: data holds step 0 of every sequence, then step 1, ...
    pad_packed_sequence   PackedSequence -> (padded, lengths)

Packing and unpacking are one index_select each, so their backward costs O(size).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import functional as F
from ...autograd.ops.gather import index_select
from ...autograd.ops.shaping import cat, stack
from ...autograd.tensor import Tensor, as_tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


def _long(values):
    return Tensor(np.asarray(values, dtype=np.int64))


def _ints(x):
    if isinstance(x, Tensor):
        return x._data.astype(np.int64).reshape(-1)
    return np.asarray(x, dtype=np.int64).reshape(-1)


class PackedSequence(NamedTuple):
    """data (sum of lengths, *), batch_sizes (how many sequences are still running at each
    step, an int64 tensor), and sorted_indices / unsorted_indices (the permutation to the
    length-sorted order and back, or None when the batch was sorted already)."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (L_max, B, *), or (B, L_max, *) with
    ``batch_first``, filling with ``padding_value`` after each sequence (``padding_side``
    'right') or before it ('left')."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: Expected padding_side to be one of left or right, but "
                         f"got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    seqs = [as_tensor(s) for s in sequences]
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trail = seqs[0].shape[1:] if seqs[0].ndim else None
    for k, s in enumerate(seqs):
        if s.ndim == 0 or s.shape[1:] != trail:
            raise RuntimeError(f"pad_sequence: every sequence must have shape (L, "
                               f"{', '.join(map(str, trail or ()))}...) with the same trailing "
                               f"dims; sequence 0 has shape {tuple(seqs[0].shape)} and "
                               f"sequence {k} has {tuple(s.shape)}")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - s.shape[0]
        if extra:
            widths = (extra, 0) if padding_side == "left" else (0, extra)
            s = F.pad(s, (0, 0) * (s.ndim - 1) + widths, value=padding_value)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of pad_sequence (right padding): a list of (L_i, *) tensors."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[b, :n] for b, n in enumerate(_ints(lengths).tolist())]


def _check_lengths(lengths, steps, batch):
    if lengths.shape != (batch,):
        raise RuntimeError(f"pack_padded_sequence: expected {batch} lengths (one per sequence), "
                           f"got {lengths.shape[0]}")
    if batch and lengths.min() <= 0:
        raise RuntimeError("pack_padded_sequence: Length of all samples has to be greater than "
                           f"0, but found an element in 'lengths' that is <= 0: "
                           f"{lengths.tolist()}")
    if batch and lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({lengths.max()}) is greater than "
                           f"the padded sequence length {steps}")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) whose sequence b has
    ``lengths[b]`` valid steps. With ``enforce_sorted`` the lengths must be decreasing;
    otherwise the batch is sorted here and the permutation kept in the result."""
    x = as_tensor(input)
    if batch_first:
        x = x.transpose(0, 1)
    if x.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: input must have at least 2 dims (T, B, *), "
                           f"got shape {tuple(x.shape)}")
    steps, batch = x.shape[0], x.shape[1]
    lengths = _ints(lengths)
    _check_lengths(lengths, steps, batch)
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in "
                               f"decreasing order when `enforce_sorted` is True, got "
                               f"{lengths.tolist()}. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order, sorted_indices, unsorted_indices = np.arange(batch), None, None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices, unsorted_indices = _long(order), _long(np.argsort(order))
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(int(sorted_lengths[0]))[:, None]).sum(1)
    # row t * B + order[k] of the flattened input, for each step t and k < batch_sizes[t]
    rows = np.concatenate([t * batch + order[:n] for t, n in enumerate(batch_sizes)])
    data = index_select(x.reshape(steps * batch, *x.shape[2:]), 0, _long(rows))
    return PackedSequence(data, _long(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths), in the batch's
    original order. ``total_length`` pads to that many steps (at least the longest)."""
    data, batch_sizes = sequence.data, _ints(sequence.batch_sizes)
    steps, batch = len(batch_sizes), int(batch_sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: Expected total_length to be at least the "
                             f"length of the longest sequence in the input, but got "
                             f"total_length={total_length} and max sequence length being "
                             f"{steps}")
        steps_out = int(total_length)
    else:
        steps_out = steps
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # in sorted order
    unsorted = (np.arange(batch) if sequence.unsorted_indices is None
                else _ints(sequence.unsorted_indices))
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    # padded[t, b] (original order b) is data[offsets[t] + unsorted[b]] or the padding row
    pad_row = data.shape[0]
    idx = np.full((steps_out, batch), pad_row, dtype=np.int64)
    valid = unsorted[None, :] < batch_sizes[:, None]
    idx[:steps] = np.where(valid, offsets[:, None] + unsorted[None, :], pad_row)
    fill = Tensor(np.full((1, *data.shape[1:]), padding_value, dtype=data.dtype))
    padded = index_select(cat([data, fill], 0), 0, _long(idx.reshape(-1)))
    padded = padded.reshape(steps_out, batch, *data.shape[1:])
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _long(lengths[unsorted])


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), lengths)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a PackedSequence holds, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
