"""The book's benchmark suite, outside the library it measures: aelib next to its references
(scikit-learn, openTSNE, pytorch/examples, classical filters), same data, same seed.

    python -m benchmarks [--quick] [--only NAME] [--out results.json]   (from the repository root)

``suite`` holds the benchmarks and ``main``; ``provenance`` what a recorded run says about
itself (also used by ``make record`` and ``make margins``).
"""

from .provenance import cpu_name, run_description
from .suite import BENCHMARKS, main

__all__ = ["BENCHMARKS", "cpu_name", "main", "run_description"]
