"""Fail if a committed notebook carries outputs or execution counts (the book executes them)."""

import json
import sys

dirty = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
        dirty.append(path)
if dirty:
    sys.exit("notebooks with outputs (clear them before committing): " + ", ".join(dirty))
print(f"{len(sys.argv) - 1} notebook(s) clean")
