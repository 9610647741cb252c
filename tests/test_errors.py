"""Bad input gets a clear error that names the op, the shapes and the offending value."""

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.functional as F


def test_broadcast_mismatch_names_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        gg.ones(3) + gg.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
        gg.ones(2, 3) * gg.ones(2)


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not align "
                                           r"\(4 != 5\)"):
        gg.ones(3, 4) @ gg.ones(5, 2)


def test_backward_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (gg.ones(3) * 2).sum().backward()


def test_requires_grad_on_integer_tensor():
    with pytest.raises(RuntimeError, match="only floating point tensors can require gradients"):
        gg.tensor([1, 2, 3], requires_grad=True)


def test_cross_entropy_class_out_of_range_names_index_and_count():
    logits = gg.randn(3, 5, requires_grad=True)
    with pytest.raises(IndexError, match=r"7.*5 classes"):
        F.cross_entropy(logits, gg.tensor([0, 7, 1]))


def test_unknown_dtype_string():
    with pytest.raises(TypeError, match=r"unknown dtype 'float33'"):
        gg.tensor([1.0], dtype="float33")


def test_inplace_change_of_saved_tensor():
    w = gg.randn(3, requires_grad=True)
    x = gg.randn(3)
    y = (w * x).sum()
    x.mul_(2)
    with pytest.raises(RuntimeError, match=r"mul: .*modified by an in-place operation.*"
                                           r"input 1 of shape \(3,\)"):
        y.backward()


def test_dim_out_of_range():
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        gg.ones(2, 3).sum(dim=3)


def test_reshape_to_wrong_size():
    with pytest.raises(RuntimeError, match=r"reshape: shape \(4, 2\) is invalid for input of "
                                           r"shape \(2, 3\)"):
        gg.ones(2, 3).reshape(4, 2)


def test_item_on_many_elements():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        gg.ones(2).item()


def test_object_data_is_refused():
    with pytest.raises(TypeError, match="non-numeric"):
        gg.tensor([object()])
    assert np.isnan(gg.tensor([float("nan")]).item())
