"""Conv1d/2d/3d and ConvTranspose1d/2d/3d with torch's arguments, parameters, init and repr."""

from __future__ import annotations

import math

from .. import functional as F
from . import init
from .module import Module, Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n):
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    return v * n if len(v) == 1 else v


class _ConvNd(Module):
    """Shared constructor, init and repr of the convolution modules.

    weight is (out_channels, in_channels / groups, *kernel_size) for a convolution and
    (in_channels, out_channels / groups, *kernel_size) for a transposed one. Initialized as
    torch: weight ~ kaiming_uniform_(a=sqrt(5)) and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = weight.shape[1] * prod(kernel_size).
    """

    _nd = 0
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None, output_padding=0):
        super().__init__()
        nd = self._nd
        kernel_size, stride, dilation = (_ntuple(kernel_size, nd), _ntuple(stride, nd),
                                         _ntuple(dilation, nd))
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError(f"in_channels must be divisible by groups (in_channels="
                             f"{in_channels}, groups={groups})")
        if out_channels % groups != 0:
            raise ValueError(f"out_channels must be divisible by groups (out_channels="
                             f"{out_channels}, groups={groups})")
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple "
                                 f"of ints, not {padding!r}")
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, nd)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups, self.padding_mode = dilation, groups, padding_mode
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, nd)
        # F.pad order (last dim first), for the non-zero padding modes
        self._reversed_padding_repeated_twice = self._explicit_padding()
        if self._transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(init._empty(shape, device, dtype))
        if bias:
            self.bias = Parameter(init._empty((out_channels,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _explicit_padding(self):
        if self.padding == "valid":
            return (0,) * (2 * self._nd)
        out = []
        if self.padding == "same":
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size), strict=True):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
        else:
            for p in reversed(self.padding):
                out += [p, p]
        return tuple(out)

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        nd = self._nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """out[n, o] = bias[o] + sum_c weight[o, c] (cross-correlated with) input[n, c], per
    group. ``padding`` is an int, a tuple, 'valid' (none) or 'same' (output size = input
    size, stride 1; an even kernel pads one more after than before, as torch).
    ``padding_mode`` 'reflect', 'replicate' and 'circular' pad with F.pad first."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        if self.padding_mode != "zeros":
            x = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """Convolution over (N, C_in, L) or (C_in, L); weight (out, in / groups, k)."""

    _nd = 1


class Conv2d(_Conv):
    """Convolution over (N, C_in, H, W) or (C_in, H, W); weight (out, in / groups, kH, kW)."""

    _nd = 2


class Conv3d(_Conv):
    """Convolution over (N, C_in, D, H, W) or (C_in, D, H, W); weight (out, in / groups,
    kD, kH, kW)."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    """The adjoint of a convolution in its input (see F.conv_transpose2d). forward takes an
    optional ``output_size`` (the spatial sizes, or with batch/channel dims in front) that
    picks output_padding among the sizes a stride allows."""

    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        nd = self._nd
        output_size = [int(v) for v in output_size]
        lead = 2 if input.ndim == nd + 2 else 1  # batch and channel dims, or channel only
        if len(output_size) == nd + lead:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must "
                             f"have {nd} or {nd + lead} elements (got {len(output_size)})")
        spatial = tuple(input.shape[-nd:])
        lo = [(spatial[a] - 1) * self.stride[a] - 2 * self.padding[a]
              + self.dilation[a] * (self.kernel_size[a] - 1) + 1 for a in range(nd)]
        hi = [lo[a] + self.stride[a] - 1 for a in range(nd)]
        if any(not lo[a] <= output_size[a] <= hi[a] for a in range(nd)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                             f"range from {lo} to {hi} (for an input of {spatial})")
        return tuple(output_size[a] - lo[a] for a in range(nd))

    def forward(self, input, output_size=None):
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._nd - 1]
        output_padding = self._output_padding(input, output_size)
        return conv(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                    self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """Transposed convolution of (N, C_in, L) or (C_in, L); weight (in, out / groups, k)."""

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed convolution of (N, C_in, H, W) or (C_in, H, W); weight (in, out / groups,
    kH, kW)."""

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """Transposed convolution of (N, C_in, D, H, W) or (C_in, D, H, W); weight (in,
    out / groups, kD, kH, kW)."""

    _nd = 3
