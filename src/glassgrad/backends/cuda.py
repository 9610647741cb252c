"""``gg.backends.cuda``: torch's CUDA backend flags; glassgrad has no CUDA backend."""

from __future__ import annotations

import types

# torch.backends.cuda.matmul.allow_tf32 = True is a common line in training scripts
matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                               allow_bf16_reduced_precision_reduction=True)


def is_built() -> bool:
    return False
