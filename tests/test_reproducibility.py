"""The same seed gives the same numbers: one chapter executed twice, in quick mode on the CPU."""

import json
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "07b_dae_generative.ipynb"  # trains its own models, no cache
# Run time and memory are not set by the seed: lines and checks that report them are left out.
NOT_SEEDED = re.compile(r"\btime\b|seconds|speed|\d s\b|\d ms\b|\d s;|\bin \d+(\.\d+)? s\b|\(s\)|memory|GiB")


def _execute() -> list[str]:
    notebook = nbformat.read(CHAPTER, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(CHAPTER.parent)}}).execute()
    # One cell's print may arrive in several stream messages, split anywhere: join them first.
    printed = "".join(output["text"] for cell in notebook.cells for output in cell.get("outputs", [])
                      if output.get("output_type") == "stream" and output.get("name") == "stdout")
    return [line for line in printed.splitlines() if line.strip() and not NOT_SEEDED.search(line)]


def test_a_chapter_prints_identical_numbers_when_run_twice(monkeypatch, tmp_path):
    monkeypatch.setenv("AELIB_QUICK", "1")
    monkeypatch.setenv("AELIB_PROGRESS", "none")
    runs = []
    for i in range(2):
        results = tmp_path / f"results{i}.jsonl"
        monkeypatch.setenv("AELIB_RESULTS", str(results))
        printed = _execute()
        checks = [json.loads(line) for line in results.read_text().splitlines()]
        values = {c["name"]: c["value"] for c in checks
                  if not NOT_SEEDED.search(c["name"])}
        runs.append((printed, values))
    (printed_1, values_1), (printed_2, values_2) = runs
    assert len(values_1) >= 4 and values_1 == values_2  # bitwise: the same floats
    assert len(printed_1) >= 10 and printed_1 == printed_2
