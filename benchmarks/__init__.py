"""glassgrad's benchmark suite: glassgrad side by side with PyTorch eager, HIPS autograd, a
hand-written numpy floor and a closure-style scalar reference, in one process and one run.

    python -m benchmarks [--quick] [--case NAME] [--plot]

See benchmarks/README.md. Importing this package pins the BLAS/OpenMP thread count (2, or
$GLASSGRAD_BENCH_THREADS) for every peer; it must happen before numpy is imported, which is
why ``run.py`` and ``__main__.py`` import it first.
"""

from __future__ import annotations

import os

THREADS = int(os.environ.get("GLASSGRAD_BENCH_THREADS", "2"))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = str(THREADS)
