"""``python -m benchmarks``: see benchmarks/run.py and benchmarks/README.md."""

import benchmarks  # noqa: F401  (pins the thread count before numpy is imported)
from benchmarks.run import main

main()
