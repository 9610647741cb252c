"""axpy_ (optim/_blas.py): y += a * x in place through BLAS when it can, numpy otherwise;
both paths must give numpy's result and write into y itself."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.optim._blas import axpy_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,layout", [((70, 80), "c"), ((70, 80), "transposed"),
                                          ((3, 4), "c"), ((100, 90), "strided")])
def test_axpy_matches_numpy_in_place(dtype, shape, layout):
    rng = np.random.default_rng(0)
    base_y = rng.standard_normal(shape).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    y = base_y.copy()
    if layout == "transposed":
        y = np.ascontiguousarray(y.T).T  # the same values, Fortran order
    elif layout == "strided":
        big = np.zeros((shape[0], shape[1] * 2), dtype)
        big[:, ::2] = base_y
        y = big[:, ::2]
    expected = base_y + dtype(-0.01) * x
    out = axpy_(y, x, -0.01)
    assert out is y
    np.testing.assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)
    if layout == "strided":
        np.testing.assert_allclose(big[:, ::2], expected, rtol=1e-6)  # written through


def test_mixed_dtypes_take_the_numpy_path():
    y = np.ones(5000, np.float64)
    axpy_(y, np.ones(5000, np.float32), 2.0)
    assert y.dtype == np.float64 and (y == 3.0).all()


def test_sgd_updates_a_large_parameter_in_place():
    gg.manual_seed(0)
    w = gg.nn.Parameter(gg.randn(100, 100))
    before = w.detach().numpy().copy()
    data = w._data
    opt = gg.optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.5)
    (w * w).sum().backward()
    opt.step()
    assert w._data is data
    np.testing.assert_allclose(w.detach().numpy(), before - 0.1 * 2 * before, rtol=1e-6)
    opt.step()  # the momentum buffer: b = 0.9 b + 0.5 g, with g unchanged
    g = 2 * before
    np.testing.assert_allclose(w.detach().numpy(),
                               before - 0.1 * g - 0.1 * (0.9 * g + 0.5 * g), rtol=1e-5)
