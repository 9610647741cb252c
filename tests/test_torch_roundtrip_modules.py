"""Every nn module that torch also has, checked against torch in float64 through files.

For each case in ``CASES``, the torch module (seeded, float64, parameters nudged off their
init values) saves its state_dict with ``safetensors.torch.save_file``; ``gg.load`` reads it
into the glassgrad module. Then the two must agree on:

- the repr, and the state_dict keys, in order, with their shapes, dtypes and values (and
  the parameter and buffer names);
- the forward output, in train mode and in eval mode;
- the gradients of a seeded random weighted sum of the outputs, for every float input and
  every parameter;
- the buffers after a train-mode forward (BatchNorm's running statistics, ...).

And back: ``gg.save(module.state_dict())`` read by ``safetensors.torch.load_file`` into a
fresh torch module gives the glassgrad module's eval-mode output.

``test_every_module_has_a_case`` fails when glassgrad exports a Module class that torch also
has and it is neither in ``CASES`` nor in ``SKIP`` with a reason, so a new module cannot be
forgotten. Modules with buffers take two train steps. Modules that draw random numbers are
run with ``p=0`` in train mode and with their real options in eval mode only.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn as gnn

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

RTOL, ATOL = 1e-9, 1e-10

# Classes exported by glassgrad.nn that torch.nn also has but that no case runs: name -> why.
SKIP = {
    "RNNBase": "abstract base: torch's RNNBase has no forward; its state_dict is checked by "
               "test_abstract_bases_state_dict",
    "RNNCellBase": "abstract base: torch's RNNCellBase has no forward; its state_dict is checked "
                   "by test_abstract_bases_state_dict",
    "Module": "the base class itself; every case exercises it",
}


@dataclasses.dataclass
class Case:
    cls: str                                  # the class name in both torch.nn and glassgrad.nn
    inputs: Callable                          # rng -> list of numpy arrays
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    make: Callable | None = None              # (nn, T) -> module, when args are not enough
    call: Callable | None = None              # (module, *inputs) -> output(s)
    train: bool = True                        # run train mode (False: randomness in train)
    eval: bool = True
    id: str = ""
    nograd: tuple = ()                        # indices of float inputs that get no gradient

    def build(self, nn, T):
        if self.make is not None:
            return self.make(nn, T)
        return getattr(nn, self.cls)(*self.args, **self.kwargs)

    @property
    def name(self):
        return self.id or self.cls


def N(*shape, scale=1.0):
    """An input factory: one standard-normal float array."""
    return lambda r: [scale * r.standard_normal(shape)]


def _pos(r, shape, lo=0.2, hi=1.5):
    return r.uniform(lo, hi, shape)


def _sign(r, shape):
    return np.where(r.standard_normal(shape) > 0, 1.0, -1.0)


def _pool_indices(shape, dims, kernel):
    """(input, indices) of a max pool, for MaxUnpool."""
    def f(r):
        x = torch.from_numpy(r.standard_normal(shape))
        pool = getattr(torch.nn.functional, f"max_pool{dims}d")
        out, idx = pool(x, kernel, return_indices=True)
        return [out.numpy(), idx.numpy()]
    return f


def _ctc(r):
    T_, N_, C_, S_ = 6, 2, 4, 3
    logits = r.standard_normal((T_, N_, C_))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = r.integers(1, C_, (N_, S_))
    return [log_probs, targets, np.array([6, 5]), np.array([3, 2])]


W3 = np.array([0.5, 1.0, 2.0])
W4 = np.array([0.3, 1.2, 0.8, 1.5])

ACTIVATIONS = ["CELU", "ELU", "GELU", "SELU", "Hardshrink", "Hardsigmoid", "Hardswish",
               "Hardtanh", "LeakyReLU", "LogSigmoid", "Mish", "ReLU", "ReLU6", "Sigmoid",
               "SiLU", "Softsign", "Tanh", "Tanhshrink"]

CASES = [Case(a, N(2, 3, 4, scale=2.0)) for a in ACTIVATIONS]
CASES += [
    Case("CELU", N(2, 5, scale=2.0), kwargs={"alpha": 0.7}, id="CELU-alpha"),
    Case("ELU", N(2, 5, scale=2.0), kwargs={"alpha": 1.3}, id="ELU-alpha"),
    Case("GELU", N(2, 5, scale=2.0), kwargs={"approximate": "tanh"}, id="GELU-tanh"),
    Case("GLU", N(2, 4, 3), kwargs={"dim": 1}),
    Case("Hardshrink", N(2, 5), kwargs={"lambd": 0.3}, id="Hardshrink-lambd"),
    Case("Hardtanh", N(2, 5), args=(-0.5, 0.7), id="Hardtanh-range"),
    Case("LeakyReLU", N(2, 5), args=(0.2,), id="LeakyReLU-slope"),
    Case("LogSoftmax", N(2, 3, 4), kwargs={"dim": 1}),
    Case("PReLU", N(2, 3, 4), kwargs={"num_parameters": 3}),
    Case("PReLU", N(2, 3), kwargs={"init": 0.1}, id="PReLU-shared"),
    Case("RReLU", N(2, 3, 4), train=False),
    Case("RReLU", N(2, 3, 4), args=(0.2, 0.2), id="RReLU-fixed-slope"),  # lower == upper
    Case("Softmax", N(2, 3, 4), kwargs={"dim": -1}),
    Case("Softmax2d", N(2, 3, 2, 2)),
    Case("Softmin", N(2, 3, 4), kwargs={"dim": 1}),
    Case("Softplus", N(2, 5, scale=3.0), kwargs={"beta": 2.0, "threshold": 3.0}),
    Case("Softshrink", N(2, 5), kwargs={"lambd": 0.4}),
    Case("Threshold", N(2, 5), args=(0.1, 20.0)),
    # attention
    Case("MultiheadAttention", lambda r: [r.standard_normal((3, 2, 8)),
                                          r.standard_normal((4, 2, 8)),
                                          r.standard_normal((4, 2, 8))], args=(8, 2)),
    Case("MultiheadAttention", lambda r: [r.standard_normal((2, 3, 8)),
                                          r.standard_normal((2, 4, 6)),
                                          r.standard_normal((2, 4, 5))],
         args=(8, 2), kwargs={"batch_first": True, "kdim": 6, "vdim": 5},
         id="MultiheadAttention-kdim-vdim"),
    Case("MultiheadAttention", lambda r: [r.standard_normal((3, 2, 8)),
                                          r.standard_normal((4, 2, 8)),
                                          r.standard_normal((4, 2, 8)),
                                          np.array([[False, False, True, False],
                                                    [False, False, False, True]])],
         args=(8, 2), kwargs={"add_bias_kv": True, "add_zero_attn": True},
         call=lambda m, q, k, v, mask: m(q, k, v, key_padding_mask=mask,
                                         average_attn_weights=False),
         id="MultiheadAttention-bias-kv-mask"),
    Case("Bilinear", lambda r: [r.standard_normal((2, 3)), r.standard_normal((2, 4))],
         args=(3, 4, 5)),
    Case("EmbeddingBag", lambda r: [r.integers(0, 10, (7,)), np.array([0, 3, 5])],
         args=(10, 4)),
    Case("EmbeddingBag", lambda r: [r.integers(0, 10, (2, 3))], args=(10, 4),
         kwargs={"mode": "max"}, id="EmbeddingBag-max-2d"),
    Case("EmbeddingBag", lambda r: [r.integers(0, 10, (7,)), np.array([0, 3, 5]),
                                    r.standard_normal(7)],
         args=(10, 4), kwargs={"mode": "sum"},
         call=lambda m, x, off, w: m(x, off, per_sample_weights=w),
         id="EmbeddingBag-sum-weights"),
    Case("SyncBatchNorm", N(4, 3, 5), args=(3,)),
    # containers
    Case("Sequential", N(2, 3), make=lambda nn, T: nn.Sequential(
        nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))),
    Case("Sequential", N(2, 3), make=lambda nn, T: nn.Sequential(OrderedDict(
        [("fc", nn.Linear(3, 4)), ("act", nn.GELU()), ("out", nn.Linear(4, 2))])),
        id="Sequential-named"),
    Case("ModuleList", N(2, 3), make=lambda nn, T: nn.ModuleList(
        [nn.Linear(3, 3), nn.Linear(3, 3), nn.Tanh()]),
        call=lambda m, x: m[2](m[1](m[0](x)))),
    Case("ModuleDict", N(2, 3), make=lambda nn, T: nn.ModuleDict(
        {"b": nn.Linear(3, 4), "a": nn.Linear(4, 2)}),
        call=lambda m, x: m["a"](m["b"](x))),
    Case("ParameterList", N(2, 3), make=lambda nn, T: nn.ParameterList(
        [nn.Parameter(T(np.zeros(3))), nn.Parameter(T(np.ones((3,))))]),
        call=lambda m, x: x * m[0] + m[1]),
    Case("ParameterDict", N(2, 3), make=lambda nn, T: nn.ParameterDict(OrderedDict(
        [("scale", nn.Parameter(T(np.zeros(3)))), ("shift", nn.Parameter(T(np.ones(3))))])),
        call=lambda m, x: x * m["scale"] + m["shift"]),
    # convolutions
    Case("Conv1d", N(2, 2, 7), args=(2, 4, 3), kwargs={"stride": 2, "padding": 1}),
    Case("Conv1d", N(2, 4, 7), args=(4, 2, 3), kwargs={"groups": 2, "dilation": 2,
                                                      "padding": "same",
                                                      "padding_mode": "circular"},
         id="Conv1d-groups-same-circular"),
    Case("Conv2d", N(2, 2, 5, 6), args=(2, 4, 3), kwargs={"stride": (2, 1), "padding": 1}),
    Case("Conv2d", N(2, 4, 5, 6), args=(4, 2, (2, 3)),
         kwargs={"groups": 2, "bias": False, "padding": (1, 2), "padding_mode": "reflect"},
         id="Conv2d-groups-reflect"),
    Case("Conv2d", N(1, 2, 5, 5), args=(2, 2, 3),
         kwargs={"padding": 1, "padding_mode": "replicate"}, id="Conv2d-replicate"),
    Case("Conv3d", N(1, 2, 4, 4, 3), args=(2, 3, 2), kwargs={"padding": (1, 0, 1)}),
    Case("ConvTranspose1d", N(2, 2, 5), args=(2, 4, 3),
         kwargs={"stride": 2, "output_padding": 1}),
    Case("ConvTranspose2d", N(2, 4, 3, 4), args=(4, 2, 3),
         kwargs={"stride": 2, "padding": 1, "groups": 2, "dilation": (1, 2)}),
    Case("ConvTranspose3d", N(1, 2, 2, 3, 2), args=(2, 3, 2), kwargs={"stride": 2}),
    # embedding, linear, flatten
    Case("Embedding", lambda r: [r.integers(0, 10, (2, 3))], args=(10, 4),
         kwargs={"padding_idx": 1}, make=None),
    Case("Embedding", lambda r: [np.array([[1, 4, 1], [0, 9, 1]])], args=(10, 4),
         kwargs={"padding_idx": 1}, id="Embedding-padding-used"),
    Case("Flatten", N(2, 3, 2, 2)),
    Case("Flatten", N(2, 3, 2, 2), args=(0, 2), id="Flatten-dims"),
    Case("Unflatten", N(2, 6), args=(1, (2, 3))),
    Case("Identity", N(2, 3), args=(5,), kwargs={"unused": 1}),
    Case("Linear", N(2, 3), args=(3, 4)),
    Case("Linear", N(2, 2, 3), args=(3, 4), kwargs={"bias": False}, id="Linear-nobias"),
    # normalization
    Case("BatchNorm1d", N(4, 3), args=(3,)),
    Case("BatchNorm1d", N(4, 3, 5), args=(3,), kwargs={"momentum": None},
         id="BatchNorm1d-3d-cumulative"),
    Case("BatchNorm2d", N(3, 2, 3, 3), args=(2,), kwargs={"affine": False}),
    Case("BatchNorm2d", N(3, 2, 3, 3), args=(2,), kwargs={"track_running_stats": False},
         id="BatchNorm2d-no-stats"),
    Case("BatchNorm3d", N(2, 2, 2, 3, 2), args=(2,), kwargs={"momentum": 0.3, "eps": 1e-3}),
    Case("GroupNorm", N(2, 4, 3), args=(2, 4)),
    Case("InstanceNorm1d", N(2, 3, 5), args=(3,)),
    Case("InstanceNorm1d", N(2, 3, 5), args=(3,),
         kwargs={"affine": True, "track_running_stats": True}, id="InstanceNorm1d-stats"),
    Case("InstanceNorm2d", N(2, 3, 3, 4), args=(3,), kwargs={"affine": True}),
    Case("InstanceNorm3d", N(2, 2, 2, 3, 3), args=(2,), kwargs={"track_running_stats": True}),
    Case("LayerNorm", N(2, 3, 4), args=((4,),)),
    Case("LayerNorm", N(2, 3, 4), args=((3, 4),), kwargs={"bias": False},
         id="LayerNorm-2d-nobias"),
    Case("LayerNorm", N(2, 3, 4), args=(4,), kwargs={"elementwise_affine": False},
         id="LayerNorm-noaffine"),
    Case("LocalResponseNorm", N(2, 5, 3), args=(3,), kwargs={"alpha": 0.1, "k": 2.0}),
    Case("RMSNorm", N(2, 3, 4), args=(4,)),
    Case("RMSNorm", N(2, 3, 4), args=((3, 4),), kwargs={"eps": 1e-3}, id="RMSNorm-2d-eps"),
    # pooling
    Case("AdaptiveAvgPool1d", N(2, 3, 7), args=(3,)),
    Case("AdaptiveAvgPool2d", N(2, 3, 5, 7), args=((2, 3),)),
    Case("AdaptiveAvgPool3d", N(1, 2, 5, 4, 3), args=(2,)),
    Case("AdaptiveMaxPool1d", N(2, 3, 7), args=(3,), kwargs={"return_indices": True}),
    Case("AdaptiveMaxPool2d", N(2, 3, 5, 7), args=((2, None),)),
    Case("AdaptiveMaxPool3d", N(1, 2, 5, 4, 3), args=(2,)),
    Case("AvgPool1d", N(2, 3, 8), args=(3,), kwargs={"stride": 2, "padding": 1,
                                                    "count_include_pad": False,
                                                    "ceil_mode": True}),
    Case("AvgPool2d", N(2, 3, 5, 6), args=(2,), kwargs={"divisor_override": 3,
                                                       "ceil_mode": True}),
    Case("AvgPool3d", N(1, 2, 4, 5, 4), args=(2,), kwargs={"stride": 1, "padding": 1}),
    Case("FractionalMaxPool2d", lambda r: [r.standard_normal((2, 3, 7, 7))], args=(2,),
         make=lambda nn, T: nn.FractionalMaxPool2d(
             2, output_size=(3, 4), _random_samples=T(np.linspace(0.1, 0.9, 12)
                                                      .reshape(2, 3, 2)))),
    Case("FractionalMaxPool3d", lambda r: [r.standard_normal((1, 2, 5, 6, 5))],
         make=lambda nn, T: nn.FractionalMaxPool3d(
             2, output_ratio=0.5, return_indices=True,
             _random_samples=T(np.linspace(0.05, 0.95, 6).reshape(1, 2, 3)))),
    # odd powers on positive inputs: a negative window sum has no real root (NaN in torch)
    Case("LPPool1d", N(2, 3, 7), args=(2, 3), kwargs={"stride": 2}),
    Case("LPPool2d", lambda r: [_pos(r, (2, 3, 4, 6))], args=(3, (2, 3))),
    Case("LPPool3d", lambda r: [_pos(r, (1, 2, 4, 4, 4))], args=(1, 2)),
    Case("MaxPool1d", N(2, 3, 9), args=(3,), kwargs={"stride": 2, "padding": 1,
                                                    "dilation": 2, "return_indices": True}),
    Case("MaxPool2d", N(2, 3, 5, 7), args=(2,), kwargs={"ceil_mode": True}),
    Case("MaxPool3d", N(1, 2, 4, 5, 4), args=(2,), kwargs={"stride": 1, "padding": 1}),
    Case("MaxUnpool1d", _pool_indices((2, 3, 8), 1, 2), args=(2,)),
    Case("MaxUnpool2d", _pool_indices((2, 3, 4, 6), 2, 2), args=(2,)),
    Case("MaxUnpool3d", _pool_indices((1, 2, 4, 4, 2), 3, 2), args=(2,)),
    # resampling
    Case("ChannelShuffle", N(2, 6, 3), args=(3,)),
    Case("Fold", N(2, 12, 20), kwargs={"output_size": (4, 5), "kernel_size": 2,
                                        "padding": (1, 0), "stride": 1}),
    Case("Unfold", N(2, 3, 4, 5), kwargs={"kernel_size": (2, 3), "dilation": (1, 2),
                                           "padding": 1, "stride": (2, 1)}),
    Case("PixelShuffle", N(2, 8, 2, 3), args=(2,)),
    Case("PixelUnshuffle", N(2, 2, 4, 6), args=(2,)),
    Case("Upsample", N(2, 3, 3, 4), kwargs={"scale_factor": 2, "mode": "nearest"}),
    Case("Upsample", N(2, 3, 5), kwargs={"size": 8, "mode": "linear"}, id="Upsample-linear"),
    Case("Upsample", N(2, 3, 3, 4), kwargs={"scale_factor": (1.5, 2), "mode": "bilinear",
                                             "align_corners": True},
         id="Upsample-bilinear-corners"),
    Case("Upsample", N(1, 2, 3, 4), kwargs={"size": (5, 7), "mode": "bicubic"},
         id="Upsample-bicubic"),
    Case("Upsample", N(1, 2, 2, 3, 2), kwargs={"scale_factor": 2, "mode": "trilinear"},
         id="Upsample-trilinear"),
    Case("Upsample", N(1, 2, 3, 4), kwargs={"size": (5, 7), "mode": "nearest-exact"},
         id="Upsample-nearest-exact"),
    Case("UpsamplingBilinear2d", N(2, 3, 3, 4), kwargs={"scale_factor": 2}),
    Case("UpsamplingNearest2d", N(2, 3, 3, 4), kwargs={"size": (5, 7)}),
    # recurrent
    Case("RNN", N(4, 2, 3), args=(3, 4), kwargs={"num_layers": 2, "bidirectional": True}),
    Case("RNN", lambda r: [r.standard_normal((2, 4, 3)), r.standard_normal((1, 2, 4))],
         args=(3, 4), kwargs={"nonlinearity": "relu", "batch_first": True}, id="RNN-relu-h0"),
    Case("LSTM", N(4, 2, 3), args=(3, 4), kwargs={"num_layers": 2}),
    Case("LSTM", lambda r: [r.standard_normal((2, 4, 3)), r.standard_normal((2, 2, 2)),
                            r.standard_normal((2, 2, 4))],
         args=(3, 4), kwargs={"proj_size": 2, "batch_first": True, "bidirectional": True},
         call=lambda m, x, h, c: m(x, (h, c)), id="LSTM-proj-bidirectional"),
    Case("GRU", N(4, 2, 3), args=(3, 4), kwargs={"bias": False}),
    Case("GRU", N(4, 3), args=(3, 4), kwargs={"num_layers": 2}, id="GRU-unbatched"),
    Case("RNNCell", lambda r: [r.standard_normal((2, 3)), r.standard_normal((2, 4))],
         args=(3, 4), kwargs={"nonlinearity": "tanh"}),
    Case("LSTMCell", lambda r: [r.standard_normal((2, 3)), r.standard_normal((2, 4)),
                                r.standard_normal((2, 4))],
         args=(3, 4), call=lambda m, x, h, c: m(x, (h, c))),
    Case("GRUCell", N(2, 3), args=(3, 4)),
    # transformer (dropout 0: deterministic in train mode)
    Case("TransformerEncoderLayer", N(3, 2, 8), args=(8, 2, 16, 0.0)),
    Case("TransformerEncoderLayer", lambda r: [r.standard_normal((2, 3, 8)),
                                               np.array([[False, False, True],
                                                         [False, False, False]])],
         args=(8, 2, 16, 0.0), kwargs={"batch_first": True, "norm_first": True,
                                       "activation": "gelu"},
         call=lambda m, x, mask: m(x, src_key_padding_mask=mask),
         id="TransformerEncoderLayer-normfirst-gelu-mask"),
    Case("TransformerDecoderLayer", lambda r: [r.standard_normal((3, 2, 8)),
                                               r.standard_normal((4, 2, 8))],
         args=(8, 2, 16, 0.0)),
    Case("TransformerEncoder", N(3, 2, 8), make=lambda nn, T: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, 0.0), 2, norm=nn.LayerNorm(8),
        enable_nested_tensor=False)),
    Case("TransformerDecoder", lambda r: [r.standard_normal((3, 2, 8)),
                                          r.standard_normal((4, 2, 8))],
         make=lambda nn, T: nn.TransformerDecoder(
             nn.TransformerDecoderLayer(8, 2, 16, 0.0, norm_first=True), 2)),
    Case("Transformer", lambda r: [r.standard_normal((4, 2, 8)),
                                   r.standard_normal((3, 2, 8))],
         kwargs={"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
                 "dim_feedforward": 16, "dropout": 0.0},
         call=lambda m, s, t: m(s, t, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(
             3, dtype=torch.float64) if isinstance(s, torch.Tensor) else
             gnn.Transformer.generate_square_subsequent_mask(3, dtype=gg.float64))),
]

# harder variants of the cases above
CASES += [
    Case("Embedding", lambda r: [np.array([[1, 4, 1], [0, 9, 4]])], args=(10, 4),
         kwargs={"max_norm": 0.8, "norm_type": 1.5}, id="Embedding-max-norm"),
    Case("Embedding", lambda r: [np.array([2, 5])], args=(10, 4),
         kwargs={"scale_grad_by_freq": True}, id="Embedding-1d-scale-grad"),
    Case("EmbeddingBag", lambda r: [np.array([1, 0, 4, 0, 9, 2]), np.array([0, 2, 2, 6])],
         args=(10, 4), kwargs={"padding_idx": 0, "include_last_offset": True},
         id="EmbeddingBag-padding-last-offset"),
    Case("MultiheadAttention", lambda r: [r.standard_normal((3, 8)), r.standard_normal((4, 8)),
                                          r.standard_normal((4, 8)),
                                          r.standard_normal((3, 4))],
         args=(8, 4), kwargs={"bias": False},
         call=lambda m, q, k, v, mask: m(q, k, v, attn_mask=mask, need_weights=False),
         id="MultiheadAttention-unbatched-float-mask-nobias"),
    Case("MultiheadAttention", lambda r: [r.standard_normal((2, 4, 8))] * 3, args=(8, 2),
         kwargs={"batch_first": True},
         call=lambda m, q, k, v: m(q, k, v, attn_mask=_causal(m, 4), is_causal=True),
         id="MultiheadAttention-causal-self"),
    Case("GroupNorm", N(2, 6, 2, 2), args=(3, 6), kwargs={"affine": False, "eps": 1e-3},
         id="GroupNorm-noaffine"),
    Case("InstanceNorm1d", N(3, 5), args=(3,), kwargs={"affine": True},
         id="InstanceNorm1d-unbatched"),
    Case("BatchNorm1d", N(4, 3), args=(3,), kwargs={"track_running_stats": False,
                                                   "affine": False},
         id="BatchNorm1d-batch-stats-in-eval"),
    Case("Conv2d", N(2, 5, 5), args=(2, 3, 2), kwargs={"padding": "valid", "stride": 2},
         id="Conv2d-unbatched-valid"),
    Case("ConvTranspose2d", N(1, 2, 3, 3), args=(2, 3, 3),
         kwargs={"stride": 2, "padding": 1, "output_padding": 1, "bias": False},
         id="ConvTranspose2d-output-padding"),
    Case("ConvTranspose1d", lambda r: [r.standard_normal((1, 2, 4))], args=(2, 2, 3),
         kwargs={"stride": 2}, call=lambda m, x: m(x, output_size=[10]),
         id="ConvTranspose1d-output-size"),
    Case("Fold", N(12, 20), kwargs={"output_size": (4, 5), "kernel_size": 2,
                                     "padding": (1, 0)}, id="Fold-unbatched"),
    Case("AdaptiveAvgPool2d", N(2, 3, 5, 7), args=((None, 3),), id="AdaptiveAvgPool2d-None"),
    Case("MaxPool2d", N(3, 5, 7), args=((2, 3),), kwargs={"stride": (1, 2), "padding": 1,
                                                          "return_indices": True},
         id="MaxPool2d-unbatched-indices"),
    Case("Upsample", N(1, 2, 3, 4), kwargs={"scale_factor": 1.7, "mode": "bilinear",
                                             "recompute_scale_factor": True},
         id="Upsample-recompute-scale"),
    Case("Upsample", N(1, 2, 3, 4), kwargs={"scale_factor": 1.6, "mode": "bicubic",
                                             "align_corners": True},
         id="Upsample-bicubic-corners"),
    Case("GRU", lambda r: [r.standard_normal((2, 4, 3)), r.standard_normal((2, 2, 4))],
         args=(3, 4), kwargs={"batch_first": True, "bidirectional": True},
         id="GRU-batch-first-h0"),
    Case("LSTM", N(4, 3), args=(3, 4), kwargs={"proj_size": 2}, id="LSTM-unbatched-proj"),
    Case("TransformerEncoderLayer", N(3, 2, 8), args=(8, 2, 16, 0.0),
         kwargs={"bias": False, "layer_norm_eps": 1e-3}, id="TransformerEncoderLayer-nobias"),
    Case("TransformerDecoderLayer", lambda r: [r.standard_normal((2, 3, 8)),
                                               r.standard_normal((2, 4, 8)),
                                               np.array([[False, True, False, False],
                                                         [False, False, False, False]])],
         args=(8, 2, 16, 0.0), kwargs={"batch_first": True, "activation": "gelu"},
         call=lambda m, t, mem, mask: m(t, mem, tgt_mask=_causal(m, 3), tgt_is_causal=True,
                                        memory_key_padding_mask=mask),
         id="TransformerDecoderLayer-causal-memory-mask"),
    Case("PReLU", N(5), id="PReLU-1d"),
    Case("Softmax", N(4), kwargs={"dim": 0}, id="Softmax-1d"),
    Case("LogSoftmax", N(2, 3, 4), kwargs={"dim": 0}, id="LogSoftmax-dim0"),
]


def _causal(module, n):
    """An additive causal mask in the module's library."""
    if isinstance(module, torch.nn.Module):
        return torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64)
    return gnn.Transformer.generate_square_subsequent_mask(n, dtype=gg.float64)


# edge cases: unbatched inputs, ceil_mode with padding, masks of both kinds, 1-d losses, ...
_EDGE = [
    Case(
        "CrossEntropyLoss",
        lambda r: [
            r.standard_normal((4, 3)),
            np.exp(r.standard_normal((4, 3))) / np.exp(r.standard_normal((4, 3))).sum(),
        ],
        make=lambda nn, Tt: nn.CrossEntropyLoss(weight=Tt(W3), label_smoothing=0.3),
        id="ce-prob-weight-ls",
    ),
    Case(
        "CrossEntropyLoss",
        lambda r: [r.standard_normal((3,)), np.array(1)],
        kwargs={"label_smoothing": 0.2},
        id="ce-unbatched",
    ),
    Case(
        "CrossEntropyLoss",
        lambda r: [r.standard_normal((4, 3)), r.integers(0, 3, (4,))],
        make=lambda nn, Tt: nn.CrossEntropyLoss(weight=Tt(W3), label_smoothing=0.3, ignore_index=2),
        id="ce-weight-ls-ignore",
    ),
    Case(
        "NLLLoss",
        lambda r: [r.standard_normal((2, 3, 2, 2)), r.integers(0, 3, (2, 2, 2))],
        kwargs={"reduction": "mean"},
        id="nll-4d",
    ),
    Case(
        "CTCLoss",
        lambda r: [
            np.log(np.full((5, 2, 3), 1 / 3)) + 0.1 * r.standard_normal((5, 2, 3)),
            np.array([1, 2, 2, 1, 1]),
            np.array([5, 4]),
            np.array([3, 2]),
        ],
        kwargs={"reduction": "mean"},
        nograd=(1,),
        id="ctc-1d-targets",
    ),
    Case(
        "CTCLoss",
        lambda r: [
            np.log(np.full((3, 2, 3), 1 / 3)),
            np.array([[1, 1, 1], [1, 2, 0]]),
            np.array([3, 3]),
            np.array([3, 2]),
        ],
        kwargs={"zero_infinity": True, "reduction": "sum"},
        nograd=(1,),
        id="ctc-infeasible",
    ),
    Case(
        "GaussianNLLLoss",
        lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4)), _pos(r, (3,))],
        kwargs={"reduction": "sum"},
        id="gnll-var-fewer-dims",
    ),
    Case(
        "PoissonNLLLoss",
        lambda r: [
            r.standard_normal((3, 4)),
            np.array([[0.25, 1, 2, 3], [0.5, 1.5, 4, 0.75], [1, 1, 1, 7]]),
        ],
        kwargs={"full": True},
        id="pnll-full",
    ),
    Case(
        "KLDivLoss",
        lambda r: [np.log(np.full(4, 0.25)), np.array([0.1, 0.2, 0.3, 0.4])],
        kwargs={"reduction": "batchmean"},
        id="kl-1d-batchmean",
    ),
    Case(
        "CosineSimilarity",
        lambda r: [
            np.zeros((2, 3)) + np.array([[0, 0, 0], [1, 2, 3.0]]),
            r.standard_normal((2, 3)),
        ],
        kwargs={"eps": 1e-3},
        id="cos-zero",
    ),
    Case(
        "PairwiseDistance",
        lambda r: [r.standard_normal((4,)), r.standard_normal((4,))],
        kwargs={"p": 1.0},
        id="pd-1d",
    ),
    Case(
        "TripletMarginLoss",
        lambda r: [r.standard_normal(4) for _ in range(3)],
        kwargs={"p": 2.0},
        id="tml-1d",
    ),
    Case(
        "MultiLabelMarginLoss",
        lambda r: [r.standard_normal(4), np.array([2, -1, 0, 1])],
        id="mlml-1d",
    ),
    Case("MultiMarginLoss", lambda r: [r.standard_normal(3), np.array(2)], id="mml-1d"),
    Case("HingeEmbeddingLoss", lambda r: [r.standard_normal(5), _sign(r, (5,))], id="hel-1d"),
    Case("RMSNorm", N(2, 3), args=(3,), id="rms-eps-none"),
    Case("LocalResponseNorm", N(2, 5, 3, 3), args=(2,), kwargs={"beta": 0.5}, id="lrn-4d"),
    Case("LocalResponseNorm", N(1, 4, 2, 2, 2), args=(3,), id="lrn-5d"),
    Case(
        "AvgPool2d",
        N(1, 2, 5, 5),
        args=(3,),
        kwargs={"stride": 2, "padding": 1, "ceil_mode": True},
        id="avg-ceil-pad",
    ),
    Case(
        "AvgPool1d",
        N(1, 2, 6),
        args=(4,),
        kwargs={"stride": 3, "padding": 2, "ceil_mode": True},
        id="avg1-ceil-pad",
    ),
    Case(
        "MaxPool1d",
        N(1, 2, 10),
        args=(3,),
        kwargs={"stride": 2, "dilation": 2, "ceil_mode": True},
        id="max1-ceil-dil",
    ),
    Case(
        "LPPool2d",
        lambda r: [_pos(r, (1, 2, 5, 5))],
        args=(2, 2),
        kwargs={"ceil_mode": True},
        id="lp-ceil",
    ),
    Case("LPPool1d", N(1, 2, 5), args=(float("inf"), 2), id="lp-inf"),
    Case(
        "AdaptiveMaxPool3d",
        N(1, 2, 5, 4, 3),
        args=((2, 3, 2),),
        kwargs={"return_indices": True},
        id="amp3-idx",
    ),
    Case("AdaptiveAvgPool1d", N(3, 7), args=(4,), id="aap1-unbatched"),
    Case(
        "FractionalMaxPool2d",
        N(1, 2, 7, 6),
        make=lambda nn, Tt: nn.FractionalMaxPool2d(
            (3, 2),
            output_ratio=(0.5, 0.6),
            return_indices=True,
            _random_samples=Tt(np.array([[[0.3, 0.8], [0.1, 0.5]]])),
        ),
        id="fmp-ratio",
    ),
    Case("PixelShuffle", N(2, 1, 8, 2, 2), args=(2,), id="ps-5d"),
    Case("ChannelShuffle", N(1, 6, 2, 2), args=(2,), id="cs-4d"),
    Case("Upsample", N(1, 2, 5), kwargs={"size": 3, "mode": "nearest-exact"}, id="up-ne-down"),
    Case(
        "Upsample",
        N(1, 2, 2, 2, 3),
        kwargs={"scale_factor": (1, 2, 1.5), "mode": "nearest"},
        id="up-n3",
    ),
    Case("Upsample", N(1, 2, 6, 7), kwargs={"size": (3, 4), "mode": "bilinear"}, id="up-bil-down"),
    Case("Upsample", N(1, 2, 6, 7), kwargs={"size": (3, 4), "mode": "area"}, id="up-area"),
    Case("Softplus", N(2, 5, scale=5.0), kwargs={"beta": 0.5, "threshold": 1.0}, id="softplus-thr"),
    Case("Flatten", N(4), args=(0,), id="flatten-1d"),
    Case("Unflatten", N(2, 12), args=(1, (3, -1)), id="unflatten-neg"),
    Case(
        "Bilinear",
        lambda r: [r.standard_normal(3), r.standard_normal(4)],
        args=(3, 4, 2),
        kwargs={"bias": False},
        id="bil-1d",
    ),
    Case("Linear", N(3), args=(3, 2), id="lin-1d"),
    Case(
        "Conv1d",
        N(1, 2, 7),
        args=(2, 2, 4),
        kwargs={"padding": "same", "padding_mode": "reflect"},
        id="conv-same-even",
    ),
    Case(
        "Conv1d",
        N(1, 2, 7),
        args=(2, 2, 4),
        kwargs={"padding": "same", "dilation": 2},
        id="conv-same-even-dil",
    ),
    Case(
        "Conv3d",
        N(1, 2, 3, 3, 3),
        args=(2, 2, 2),
        kwargs={"padding": 1, "padding_mode": "circular", "groups": 2},
        id="conv3-circ",
    ),
    Case(
        "ConvTranspose3d",
        N(1, 4, 2, 2, 2),
        args=(4, 2, 2),
        kwargs={"groups": 2, "dilation": 2, "padding": 1},
        id="convt3-groups",
    ),
    Case(
        "RNN",
        lambda r: [r.standard_normal((4, 3)), r.standard_normal((4, 4))],
        args=(3, 4),
        kwargs={"num_layers": 2, "bidirectional": True, "nonlinearity": "relu"},
        id="rnn-unbatched-h0",
    ),
    Case(
        "RNNCell",
        lambda r: [r.standard_normal(3)],
        args=(3, 4),
        kwargs={"nonlinearity": "relu", "bias": False},
        id="rnncell-1d",
    ),
    Case("LSTMCell", lambda r: [r.standard_normal(3)], args=(3, 4), id="lstmcell-1d"),
    Case(
        "GRUCell",
        lambda r: [r.standard_normal(3), r.standard_normal(4)],
        args=(3, 4),
        kwargs={"bias": False},
        id="grucell-1d-h",
    ),
    Case("SyncBatchNorm", N(4, 3), args=(3,), kwargs={"momentum": None}, id="sbn-2d"),
    Case("SyncBatchNorm", N(2, 3, 2, 2), args=(3,), kwargs={"affine": False}, id="sbn-4d"),
    Case(
        "Transformer",
        lambda r: [
            r.standard_normal((2, 4, 8)),
            r.standard_normal((2, 3, 8)),
            np.array([[False, False, False, True], [False] * 4]),
        ],
        kwargs={
            "d_model": 8,
            "nhead": 2,
            "num_encoder_layers": 2,
            "num_decoder_layers": 1,
            "dim_feedforward": 16,
            "dropout": 0.0,
            "batch_first": True,
            "norm_first": True,
            "activation": "gelu",
        },
        call=lambda m, s, t, kpm: m(s, t, src_key_padding_mask=kpm, memory_key_padding_mask=kpm),
        id="tf-bf-nf",
    ),
    Case(
        "TransformerEncoder",
        lambda r: [r.standard_normal((2, 3, 8))],
        make=lambda nn, Tt: nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True),
            2,
            enable_nested_tensor=False,
        ),
        call=lambda m, x: m(x, mask=_causal(m, 3), is_causal=True),
        id="te-causal",
    ),
    Case(
        "MultiheadAttention",
        lambda r: [
            r.standard_normal((3, 2, 8)),
            r.standard_normal((4, 2, 6)),
            r.standard_normal((4, 2, 6)),
            r.standard_normal((4, 4)) > 0.5,
            r.standard_normal((2, 4)),
        ],
        args=(8, 2),
        kwargs={"kdim": 6, "vdim": 6, "add_bias_kv": True},
        call=lambda m, q, k, v, am, kpm: m(q, k, v, attn_mask=am[:3], key_padding_mask=kpm),
        id="mha-kdim-boolmask-floatkpm",
    ),
    Case(
        "EmbeddingBag",
        lambda r: [r.integers(0, 10, (7,)), np.array([0, 3, 5])],
        args=(10, 4),
        kwargs={"mode": "max", "max_norm": 1.0},
        id="eb-max-norm",
    ),
    Case(
        "Embedding",
        lambda r: [np.array([[1, 4, 1], [0, 9, 4]])],
        args=(10, 4),
        kwargs={"padding_idx": -1},
        id="emb-neg-pad",
    ),
    Case("Hardtanh", N(3, 4), kwargs={"min_val": 0.0, "max_val": 6.0}, id="hardtanh-kw"),
    Case("Threshold", N(3, 4), args=(0.5, -1.0), id="thr"),
    Case("GLU", N(2, 4), id="glu-default"),
    Case("Softmin", N(2, 3), kwargs={"dim": 0}, id="softmin-0"),
    Case("LayerNorm", N(2, 3, 4), args=((2, 3, 4),), kwargs={"eps": 1e-2}, id="ln-all"),
    Case(
        "InstanceNorm2d",
        N(3, 3, 4),
        args=(3,),
        kwargs={"track_running_stats": True, "momentum": None},
        id="in2-unb-cum",
    ),
    Case(
        "BatchNorm3d",
        N(2, 2, 2, 2, 2),
        args=(2,),
        kwargs={"momentum": None, "affine": False},
        id="bn3-cum",
    ),
]
# from_pretrained, and modules with dropout inside (eval mode only)
W10 = np.arange(40.0).reshape(10, 4) / 10
_MORE = [
    Case(
        "Embedding",
        lambda r: [np.array([[1, 4, 1], [0, 9, 4]])],
        make=lambda nn, Tt: nn.Embedding.from_pretrained(
            Tt(W10), freeze=False, padding_idx=4, max_norm=2.0
        ),
        id="emb-pretrained",
    ),
    Case(
        "Embedding",
        lambda r: [np.array([[1, 4, 1], [0, 9, 4]])],
        make=lambda nn, Tt: nn.Embedding.from_pretrained(Tt(W10)),
        id="emb-pretrained-frozen",
    ),
    Case(
        "EmbeddingBag",
        lambda r: [np.array([[1, 4, 1], [0, 9, 4]])],
        make=lambda nn, Tt: nn.EmbeddingBag.from_pretrained(Tt(W10), freeze=False, mode="sum"),
        id="eb-pretrained",
    ),
    Case(
        "MultiheadAttention",
        lambda r: [r.standard_normal((2, 3, 8))] * 3,
        args=(8, 2),
        kwargs={"batch_first": True, "dropout": 0.0},
        call=lambda m, q, k, v: m(q, k, v, need_weights=True, average_attn_weights=False),
        id="mha-self-same-tensor",
    ),
    Case(
        "MultiheadAttention",
        lambda r: [
            r.standard_normal((3, 2, 8)),
            r.standard_normal((4, 2, 8)),
            r.standard_normal((4, 2, 8)),
        ],
        args=(8, 2),
        kwargs={"dropout": 0.3},
        train=False,
        id="mha-dropout-eval",
    ),
    Case(
        "TransformerEncoderLayer",
        N(3, 2, 8),
        args=(8, 2, 16, 0.3),
        train=False,
        id="tel-dropout-eval",
    ),
    Case(
        "Transformer",
        lambda r: [r.standard_normal((4, 2, 8)), r.standard_normal((3, 2, 8))],
        kwargs={
            "d_model": 8,
            "nhead": 2,
            "num_encoder_layers": 1,
            "num_decoder_layers": 1,
            "dim_feedforward": 16,
            "dropout": 0.2,
        },
        train=False,
        id="tf-eval",
    ),
    Case(
        "LSTM",
        N(4, 2, 3),
        args=(3, 4),
        kwargs={"num_layers": 2, "dropout": 0.3},
        train=False,
        id="lstm-dropout-eval",
    ),
    Case("BatchNorm2d", N(1, 2, 1, 1), args=(2,), train=False, id="bn-eval-single"),
    Case(
        "GRU",
        N(4, 2, 3),
        args=(3, 4),
        kwargs={"num_layers": 3, "bidirectional": True, "batch_first": False},
        id="gru-3-bi",
    ),
]
_EDGE += _MORE
for _c in _EDGE:  # named after the class, so failures read well
    _c.id = f"{_c.cls}[{_c.id}]"
CASES += _EDGE


# in-place variants, on a non-leaf input (x * 1.0), so the gradient flows back through them
for _cls in ("ELU", "CELU", "SELU", "Hardtanh", "ReLU", "ReLU6", "LeakyReLU", "SiLU", "Mish",
             "Hardsigmoid", "Hardswish", "Dropout", "AlphaDropout", "Dropout2d",
             "FeatureAlphaDropout"):
    CASES.append(Case(_cls, N(2, 3, 2, 2, scale=3.0), args=(0.0,) if "Dropout" in _cls else (),
                      kwargs={"inplace": True}, call=lambda m, x: m(x * 1.0),
                      id=f"{_cls}-inplace"))
CASES += [
    Case("Threshold", N(2, 3, scale=3.0), args=(0.1, 2.0), kwargs={"inplace": True},
         call=lambda m, x: m(x * 1.0), id="Threshold-inplace"),
    Case("RReLU", N(2, 3, scale=3.0), args=(0.1, 0.3), kwargs={"inplace": True},
         call=lambda m, x: m(x * 1.0), train=False, id="RReLU-inplace"),
    # the input is changed in place and also returned: both outputs are the new values
    Case("ReLU", N(2, 3), kwargs={"inplace": True},
         call=lambda m, x: (lambda y: (y, m(y), y))(x * 2.0), id="ReLU-inplace-aliased"),
]


# padding: (class, pad, input shape)
for _kind in ("Circular", "Constant", "Reflection", "Replication", "Zero"):
    for _d, _pad, _shape in ((1, (2, 1), (2, 3, 5)), (2, (1, 2, 0, 1), (1, 2, 3, 4)),
                             (3, 1, (1, 2, 3, 3, 2))):
        _cls = f"{_kind}Pad{_d}d"
        _args = (_pad, 0.5) if _kind == "Constant" else (_pad,)
        CASES.append(Case(_cls, N(*_shape), args=_args))

# dropout: p=0 is deterministic in train mode; the real p runs in eval mode only
for _cls, _shape in (("Dropout", (2, 5)), ("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 2, 2)),
                     ("Dropout3d", (1, 2, 2, 2, 2)), ("AlphaDropout", (2, 5)),
                     ("FeatureAlphaDropout", (2, 3, 2, 2))):
    CASES.append(Case(_cls, N(*_shape), args=(0.0,), id=f"{_cls}-p0"))
    CASES.append(Case(_cls, N(*_shape), args=(0.5,), train=False, id=f"{_cls}-eval"))


def _losses():
    """Loss cases; each with a ``reduction`` is run with mean, sum and none."""
    prob = lambda r, s: 1 / (1 + np.exp(-r.standard_normal(s)))  # noqa: E731
    logp = lambda r, s: np.log(np.exp(r.standard_normal(s)) /  # noqa: E731
                               np.exp(r.standard_normal(s)).sum(-1, keepdims=True))
    pair = lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4))]  # noqa: E731
    cases = [
        ("L1Loss", pair, {}, None),
        ("MSELoss", pair, {}, None),
        ("HuberLoss", pair, {"delta": 0.5}, None),
        ("SmoothL1Loss", pair, {"beta": 0.7}, None),
        ("SoftMarginLoss", lambda r: [r.standard_normal((3, 4)), _sign(r, (3, 4))], {}, None),  # noqa
        ("BCELoss", lambda r: [prob(r, (3, 4)), prob(r, (3, 4))], {}, None),
        ("BCELoss", lambda r: [prob(r, (3, 4)), prob(r, (3, 4))], {}, "weight"),
        ("BCEWithLogitsLoss", pair, {}, None),
        ("BCEWithLogitsLoss", lambda r: [r.standard_normal((3, 4)), prob(r, (3, 4))], {},
         "pos_weight"),
        ("CrossEntropyLoss", lambda r: [r.standard_normal((4, 3)), r.integers(0, 3, (4,))],
         {}, None),
        ("CrossEntropyLoss", lambda r: [r.standard_normal((4, 3, 2)),
                                        np.array([[0, 2], [1, 1], [2, -100], [0, 1]])],
         {"label_smoothing": 0.1}, "weight"),
        ("CrossEntropyLoss", lambda r: [r.standard_normal((4, 3)),
                                        np.exp(logp(r, (4, 3)))], {"label_smoothing": 0.2},
         None),
        ("NLLLoss", lambda r: [logp(r, (4, 3)), np.array([0, 2, 1, 1])],
         {"ignore_index": 1}, "weight"),
        ("KLDivLoss", lambda r: [logp(r, (3, 4)), np.exp(logp(r, (3, 4)))], {}, None),
        ("KLDivLoss", lambda r: [logp(r, (3, 4)), logp(r, (3, 4))], {"log_target": True},
         None),
        ("PoissonNLLLoss", lambda r: [r.standard_normal((3, 4)), _pos(r, (3, 4))], {}, None),
        ("PoissonNLLLoss", lambda r: [_pos(r, (3, 4)), 3 * _pos(r, (3, 4))],
         {"log_input": False, "full": True}, None),
        ("GaussianNLLLoss", lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4)),
                                       _pos(r, (3, 4))], {"eps": 1e-3}, None),
        ("GaussianNLLLoss", lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4)),
                                       _pos(r, (3, 1))], {"full": True}, None),
        ("HingeEmbeddingLoss", lambda r: [r.standard_normal((3, 4)), _sign(r, (3, 4))],
         {"margin": 0.5}, None),
        ("MarginRankingLoss", lambda r: [r.standard_normal(5), r.standard_normal(5),
                                         _sign(r, (5,))], {"margin": 0.2}, None),
        ("CosineEmbeddingLoss", lambda r: [r.standard_normal((3, 4)), r.standard_normal((3, 4)),
                                           np.array([1.0, -1.0, -1.0])], {"margin": -0.2},
         None),
        ("MultiLabelMarginLoss", lambda r: [r.standard_normal((2, 4)),
                                            np.array([[3, 0, -1, 1], [1, 2, 3, 0]])], {},
         None),
        ("MultiLabelSoftMarginLoss", lambda r: [r.standard_normal((3, 4)),
                                                (r.random((3, 4)) > 0.5) * 1.0], {}, "weight4"),
        ("MultiMarginLoss", lambda r: [r.standard_normal((4, 3)), r.integers(0, 3, (4,))],
         {}, None),
        ("MultiMarginLoss", lambda r: [r.standard_normal((4, 3)), r.integers(0, 3, (4,))],
         {"p": 2, "margin": 0.7}, "weight"),
        ("TripletMarginLoss", lambda r: [r.standard_normal((3, 4)) for _ in range(3)],
         {"margin": 0.5, "p": 1.5, "swap": True}, None),
        ("TripletMarginWithDistanceLoss", lambda r: [r.standard_normal((3, 4))
                                                     for _ in range(3)], {"margin": 0.8},
         None),
        ("CTCLoss", _ctc, {}, None),
        ("CTCLoss", _ctc, {"blank": 0, "zero_infinity": True}, None),
    ]
    out = []
    seen = {}
    for cls, inputs, kw, weight in cases:
        k = seen[cls] = seen.get(cls, 0) + 1
        reductions = ["mean", "sum", "none"] + (["batchmean"] if cls == "KLDivLoss" else [])
        for red in reductions:
            kwargs = dict(kw, reduction=red)
            make = None
            if weight is not None:
                arr = W4 if weight == "weight4" else W3
                arg = "weight" if weight.startswith("weight") else weight
                if cls == "BCELoss":
                    arr = W4
                if cls == "BCEWithLogitsLoss":
                    arr = W4
                make = (lambda c, kw_, a, w: lambda nn, T: getattr(nn, c)(**{a: T(w)}, **kw_))(
                    cls, kwargs, arg, arr)
            # torch has no gradient for these targets
            nograd = (1,) if cls in ("CTCLoss", "SoftMarginLoss") else ()
            out.append(Case(cls, inputs, kwargs=kwargs, make=make, nograd=nograd,
                            id=f"{cls}-{k}-{red}"))
    out += [
        Case("CosineSimilarity", lambda r: [r.standard_normal((3, 4)),
                                            r.standard_normal((1, 4))], kwargs={"dim": 1}),
        Case("PairwiseDistance", lambda r: [r.standard_normal((3, 4)),
                                            r.standard_normal((3, 4))],
             kwargs={"p": 3.0, "keepdim": True}),
    ]
    return out


CASES += _losses()


# ----------------------------------------------------------------------------- the harness
def _nudge(module, seed):
    """Move torch's parameters (and running stats) off their init values, seeded."""
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.from_numpy(0.2 * r.standard_normal(tuple(p.shape))))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.from_numpy(0.3 * r.standard_normal(tuple(b.shape))))
            elif name.endswith("running_var"):
                b.copy_(torch.from_numpy(r.uniform(0.5, 1.5, tuple(b.shape))))


def _torch_tensor(a):
    return torch.tensor(a, dtype=torch.float64) if np.asarray(a).dtype.kind == "f" \
        else torch.tensor(a)


def _gg_tensor(a):
    return gg.tensor(np.asarray(a, dtype=np.float64)) if np.asarray(a).dtype.kind == "f" \
        else gg.tensor(np.asarray(a))


def _flat(out):
    """The tensors in an output (tuples and lists flattened, None dropped)."""
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().numpy())


def _run(case, module, lib, arrays, weights):
    """Forward + backward of a weighted sum; (outputs, input grads, param grads)."""
    T = _torch_tensor if lib is torch else _gg_tensor
    xs = [T(a) for a in arrays]
    for i, x in enumerate(xs):
        if x.dtype in (torch.float64, gg.float64) and i not in case.nograd:
            x.requires_grad_(True)
    out = (case.call or (lambda m, *a: m(*a)))(module, *xs)
    outs = _flat(out)
    total = None
    for o, w in zip(outs, weights):
        if o.dtype in (torch.float64, gg.float64) and o.requires_grad:
            term = (o * T(w)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    grads = [None if not x.requires_grad or x.grad is None else _np(x.grad) for x in xs]
    pgrads = {n: None if p.grad is None else _np(p.grad) for n, p in module.named_parameters()}
    return [_np(o) for o in outs], grads, pgrads


def _check_pair(case, mode, tm, gm, arrays, weights):
    tm.zero_grad(set_to_none=True)
    gm.zero_grad(set_to_none=True)
    t_out, t_g, t_pg = _run(case, tm, torch, arrays, weights)
    g_out, g_g, g_pg = _run(case, gm, gg, arrays, weights)
    where = f"{case.name} ({mode})"
    assert len(t_out) == len(g_out), f"{where}: {len(t_out)} outputs in torch, {len(g_out)} here"
    for i, (a, b) in enumerate(zip(t_out, g_out)):
        assert np.isfinite(a).all(), f"{where}: torch's output {i} is not finite: fix the case"
        assert a.shape == b.shape, f"{where}: output {i} shape {b.shape} != torch {a.shape}"
        assert a.dtype == b.dtype, f"{where}: output {i} dtype {b.dtype} != torch {a.dtype}"
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=f"{where}: output {i}")
    for i, (a, b) in enumerate(zip(t_g, g_g)):
        assert (a is None) == (b is None), f"{where}: input {i} grad {b is None=} {a is None=}"
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{where}: grad of input {i}")
    assert list(g_pg) == list(t_pg), f"{where}: parameter names differ"
    for n in t_pg:
        a, b = t_pg[n], g_pg[n]
        if a is None:
            assert b is None or not np.any(b), f"{where}: {n} has a grad, torch has none"
            continue
        assert b is not None, f"{where}: {n} got no grad"
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=f"{where}: grad of {n}")
    return g_out


def _assert_state_equal(where, t_sd, g_sd):
    assert list(g_sd) == list(t_sd), f"{where}: state_dict keys {list(g_sd)} != {list(t_sd)}"
    for k in t_sd:
        a = t_sd[k].detach().numpy()
        b = np.asarray(g_sd[k].detach().numpy())
        assert b.shape == a.shape, f"{where}: {k} shape {b.shape} != torch {a.shape}"
        assert b.dtype == a.dtype, f"{where}: {k} dtype {b.dtype} != torch {a.dtype}"
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=f"{where}: {k}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_module_matches_torch_through_safetensors(case, tmp_path):
    torch.manual_seed(0)
    tm = case.build(torch.nn, _torch_tensor).double()
    _nudge(tm, 1)
    path = tmp_path / "torch.safetensors"
    st_torch.save_file({k: v.contiguous() for k, v in tm.state_dict().items()}, str(path))
    gm = case.build(gnn, _gg_tensor).double()
    # torch's repr, except that a ParameterList names glassgrad's dtypes
    assert repr(gm) == repr(tm).replace("[torch.float", "[glassgrad.float")
    gm.load_state_dict(gg.load(path))
    _assert_state_equal(f"{case.name} (loaded)", tm.state_dict(), gm.state_dict())
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in gm.named_buffers()] == [n for n, _ in tm.named_buffers()]

    r = np.random.default_rng(2)
    arrays = case.inputs(r)
    # output shapes, for the seeded weights of the weighted sum
    tm.eval()
    with torch.no_grad():
        shapes = [tuple(o.shape) for o in _flat((case.call or (lambda m, *a: m(*a)))(
            tm, *[_torch_tensor(a) for a in arrays]))]
    weights = [r.standard_normal(s) for s in shapes]
    if case.train:
        tm.train()
        gm.train()
        _check_pair(case, "train", tm, gm, arrays, weights)
        if list(tm.buffers()):  # a second step updates the running statistics again
            _check_pair(case, "train, 2nd step", tm, gm,
                        case.inputs(np.random.default_rng(7)), weights)
        _assert_state_equal(f"{case.name} (after a train step)", tm.state_dict(),
                            gm.state_dict())
    if case.eval:
        tm.eval()
        gm.eval()
        g_out = _check_pair(case, "eval", tm, gm, arrays, weights)

        # and back: glassgrad writes, torch reads
        back = tmp_path / "glassgrad.safetensors"
        gg.save(gm.state_dict(), back)
        torch.manual_seed(3)
        tm2 = case.build(torch.nn, _torch_tensor).double()
        tm2.load_state_dict(st_torch.load_file(str(back)))
        tm2.eval()
        out2 = _flat((case.call or (lambda m, *a: m(*a)))(tm2, *[_torch_tensor(a)
                                                                  for a in arrays]))
        for i, (a, b) in enumerate(zip(out2, g_out)):
            np.testing.assert_allclose(b, a.detach().numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{case.name}: output {i} after torch read "
                                       "glassgrad's file")


def _exported_module_classes():
    names = set(getattr(gnn, "__all__", [])) | set(dir(gnn))
    return sorted(n for n in names if isinstance(getattr(gnn, n, None), type)
                  and issubclass(getattr(gnn, n), gnn.Module)
                  and isinstance(getattr(torch.nn, n, None), type))


def test_every_module_has_a_case():
    covered = {c.cls for c in CASES}
    missing = [n for n in _exported_module_classes() if n not in covered and n not in SKIP]
    assert not missing, f"modules torch also has with no round-trip case and no SKIP reason: " \
                        f"{missing}"
    stale = sorted(set(SKIP) & covered)
    assert not stale, f"in both CASES and SKIP: {stale}"


def test_case_ids_are_unique():
    ids = [c.name for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("args", [
    ("RNNBase", ("LSTM", 3, 4), {"num_layers": 2}),
    ("RNNBase", ("GRU", 3, 4), {"bidirectional": True}),
    ("RNNCellBase", (3, 4, True, 3), {}),
], ids=["RNNBase-LSTM", "RNNBase-GRU", "RNNCellBase"])
def test_abstract_bases_state_dict(args, tmp_path):
    cls, a, kw = args
    torch.manual_seed(0)
    tm = getattr(torch.nn, cls)(*a, **kw).double()
    path = tmp_path / "t.safetensors"
    st_torch.save_file(dict(tm.state_dict()), str(path))
    gm = getattr(gnn, cls)(*a, **kw).double()
    gm.load_state_dict(gg.load(path))
    _assert_state_equal(cls, tm.state_dict(), gm.state_dict())


# ----------------------------------------------------------------------------- reprs
def _containers(nn, T):
    lin = lambda i, o: nn.Linear(i, o)  # noqa: E731
    return {
        "runs": nn.ModuleList([lin(4, 4) for _ in range(3)] + [nn.ReLU(), nn.ReLU(), lin(4, 2)]),
        "empty": nn.ModuleList(),
        "one": nn.ModuleList([nn.Tanh()]),
        "no-runs": nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.ReLU()]),
        "multiline-runs": nn.ModuleList([nn.Sequential(lin(2, 2), nn.ReLU()) for _ in range(2)]
                                        + [nn.Sequential(lin(2, 3))]),
        "nested": nn.Sequential(nn.ModuleList([nn.Conv2d(1, 2, 3) for _ in range(2)]),
                                nn.ReLU()),
        "sequential-does-not-fold": nn.Sequential(lin(4, 4), lin(4, 4), nn.ReLU()),
        "moduledict": nn.ModuleDict({"a": lin(2, 2), "b": lin(2, 2)}),
        "encoder": nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0), 2,
                                         enable_nested_tensor=False),
        "parameterlist": nn.ParameterList([nn.Parameter(T(np.zeros(2))), T(np.zeros((2, 3))),
                                           "x"]),
        "parameterlist-one": nn.ParameterList([nn.Parameter(T(np.zeros(2)))]),
        "parameterlist-empty": nn.ParameterList(),
        "parameterdict": nn.ParameterDict({"b": nn.Parameter(T(np.zeros(2))),
                                           "a": T(np.zeros(3))}),
        "parameterdict-one": nn.ParameterDict({"a": nn.Parameter(T(np.zeros(2)))}),
        "parameterdict-empty": nn.ParameterDict(),
    }


@pytest.mark.parametrize("key", list(_containers(gnn, _gg_tensor)))
def test_container_repr_matches_torch(key):
    theirs = repr(_containers(torch.nn, _torch_tensor)[key])
    ours = repr(_containers(gnn, _gg_tensor)[key])
    # a ParameterList names the dtype, glassgrad.float64 as in glassgrad's tensor repr
    assert ours == theirs.replace("[torch.float", "[glassgrad.float")
    if key == "runs":
        assert "(0-2): 3 x Linear(in_features=4, out_features=4, bias=True)" in ours
