"""Run the book's chapters several times and record every check's value, for the margins.

    python .ci/margins.py --mode quick --seeds 0 1 2 --paths default reduced --out records/margins-quick.jsonl

Each run executes every chapter (or ``--chapters``) in one mode, with one seed (``AELIB_SEED``)
and one floating-point path, from an empty model cache of its own, with ``AELIB_CHECKS=record``
so that a chapter whose check fails still reports its later checks. The ``reduced`` path caps
MKL's and oneDNN's instruction sets one level below this CPU's best (AVX2 on an AVX-512 machine,
AVX on an AVX2-only one): the kind of difference that flips a thin margin on another machine.

Every check and record becomes one line of the output file (JSON lines): its id, chapter,
value, threshold and verdict (none for a record), with the run's mode, data set, seed, path, CPU
and a hash of the chapter's code, so that a record can be told stale when the chapter changes.
Lines of the chapters run again replace their earlier lines; the rest of the file is kept.

    python .ci/margins.py --restamp --chapters 07_more_autoencoders --out records/margins-quick.jsonl

``--restamp`` is for a change that measures nothing differently (a figure, a printed table, a
function that moved into the library): it runs each chapter once (quick mode, seed 0, default
path, the offline subset) and, only if every check and its value are exactly those of the
record's run with the same settings, gives the chapter's record lines the new code hash, in
``--out`` and in every full-mode record (``records/full-mode-*.jsonl``). A full-mode record is
restamped only where the change leaves every line that differs between the modes (budgets,
mode tests: ``claims.mode_dependent_lines``) as it was in the recorded code, found by its hash
in git's history; otherwise that record is left stale, to be run again with ``make record``.
If a value differs, nothing changes and the command fails: run the margins for that chapter again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from aelib.claims import code_hash, mode_dependent_lines, notebook_code_hash, read_results  # noqa: E402
from benchmarks.provenance import cpu_name, cpuinfo, run_description  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def cpu_flags() -> set[str]:
    return set((cpuinfo("flags") or "").split())


def path_environment(path: str) -> dict[str, str]:
    """The environment of a floating-point path: nothing for ``default``; for ``reduced``, MKL
    and oneDNN capped one instruction set below this CPU's best."""
    if path == "default":
        return {}
    isa = "AVX2" if "avx512f" in cpu_flags() else "AVX"
    return {"MKL_ENABLE_INSTRUCTIONS": isa, "ONEDNN_MAX_CPU_ISA": isa}


def write_lines(path: Path, rows: list[dict]) -> None:
    """A JSON-lines file of ``rows`` (``claims.read_results`` reads it back)."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


ERRORS: list[str] = []  # cells that raised, in every page run so far ("page: cell i: error")


def run_page(page: Path, env: dict[str, str], timeout: int) -> float:
    """Execute one page with ``env`` added to the environment; returns its wall time. A cell
    that raises does not stop the page (a failed check must not hide the later ones); it is
    noted in ``ERRORS``."""
    notebook = nbformat.read(page, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env)
    start = time.perf_counter()
    try:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(page.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for i, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") != "AssertionError":
                ERRORS.append(f"{page.stem}: cell {i}: {output['ename']}: {output['evalue']}")
                print(ERRORS[-1], flush=True)
    return time.perf_counter() - start


def one_run(pages: list[Path], mode: str, data: str, data_dir: str | None, seed: int, path: str,
            scratch: Path, timeout: int) -> list[dict]:
    """Every page once, in ``mode`` with ``seed`` on ``path``; one dict per check."""
    run = f"{mode}-{data}-seed{seed}-{path}"
    results = scratch / f"{run}.jsonl"
    env = {"AELIB_QUICK": "1" if mode == "quick" else "0", "AELIB_SEED": str(seed), "AELIB_DATASET": data,
           "AELIB_OFFLINE": "1", "AELIB_PROGRESS": "none", "AELIB_CHECKS": "record",
           "AELIB_RESULTS": str(results), "AELIB_CACHE_DIR": str(scratch / run / "models"),
           **path_environment(path)}
    if data_dir:
        env["AELIB_DATA_DIR"] = data_dir
    hashes = {f"chapters/{p.stem}": code_hash(p) for p in pages}  # of the code that runs, not of later edits
    for page in pages:
        seconds = run_page(page, env | {"AELIB_CHAPTER": f"chapters/{page.stem}"}, timeout)
        print(f"{run} {page.stem}: {seconds:.0f} s", flush=True)
    rows = read_results(results) if results.exists() else []
    cpu, today = cpu_name(), time.strftime("%Y-%m-%d")
    lines = [{"id": r["id"], "name": r["name"], "chapter": r.get("chapter"), "value": r["value"],
              "threshold": r["threshold"], "passed": r["passed"], "kind": r["kind"], "mode": r["mode"],
              "data": r["data"], "seed": seed, "path": path, "cpu": cpu, "code": hashes.get(r.get("chapter")),
              "date": today} for r in rows]
    failed = [f"{r['chapter']}/{r['id']}" for r in lines if r["passed"] is False]
    print(f"{run}: {len(lines)} checks, failed: {failed or 'none'}", flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("quick", "full"), default="quick")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--paths", nargs="+", choices=("default", "reduced"), default=["default"])
    parser.add_argument("--data", default="mnist", help="AELIB_DATASET of the runs")
    parser.add_argument("--data-dir", help="AELIB_DATA_DIR of the runs (e.g. a full MNIST root)")
    parser.add_argument("--chapters", nargs="*", help="chapter file stems (default: all)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--about", action="store_true",
                        help="start the file with a line about the run (date, commit, machine): make record")
    parser.add_argument("--restamp", action="store_true",
                        help="re-hash a chapter's record after a change that alters no value (see above)")
    parser.add_argument("--no-run", action="store_true",
                        help="with --restamp: only pass a current quick record's hash on to the full records")
    args = parser.parse_args(argv)
    if args.restamp:
        sys.exit(restamp(args))

    pages = sorted((ROOT / "chapters").glob("*.ipynb"))
    if args.chapters:
        pages = [p for p in pages if p.stem in args.chapters]
    lines = []
    with tempfile.TemporaryDirectory(prefix="aelib-margins-") as scratch:
        for path in args.paths:
            for seed in args.seeds:
                lines += one_run(pages, args.mode, args.data, args.data_dir, seed, path, Path(scratch),
                                 args.timeout)
    out = Path(args.out)

    def key(r: dict) -> tuple:
        return r["chapter"], r["mode"], r["data"], r["seed"], r["path"]

    ran = {key(r) for r in lines}
    old = read_results(out) if out.exists() else []
    header = [r for r in old if "record" in r]
    kept = [r for r in old if "record" not in r and key(r) not in ran]  # what this run did not redo
    if args.about:
        seeds = sorted({r["seed"] for r in kept + lines} | set(args.seeds))  # one seed at a time adds up
        header = [{"record": run_description(data=args.data, mode=args.mode, seeds=seeds)}]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_lines(out, header + kept + lines)
    print(f"{len(lines)} check values written to {out} ({len(kept)} kept from before)")
    sys.exit(1 if ERRORS or any(r["passed"] is False for r in lines) else 0)


def restamp(args) -> int:
    """Give the record lines of ``args.chapters`` their chapters' current code hash, if one run
    of each reproduces its recorded seed-0 values exactly (see the module docstring)."""
    if not args.chapters:
        print("--restamp needs --chapters", file=sys.stderr)
        return 2
    out = Path(args.out)
    rows = read_results(out)
    status = 0
    for stem in args.chapters:
        page = ROOT / "chapters" / f"{stem}.ipynb"
        chapter = f"chapters/{stem}"

        def values(lines, chapter=chapter):
            return {r["id"]: r["value"] for r in lines
                    if r.get("chapter") == chapter and r.get("kind") != "record"}

        recorded = values(r for r in rows if "record" not in r and r["mode"] == "quick" and r["seed"] == 0
                          and r["path"] == "default" and r["data"] == "mnist-10k")
        current = code_hash(page)
        if args.no_run:  # the quick record was restamped by a run already: pass it on
            if not all(r.get("code") == current for r in rows if r.get("chapter") == chapter):
                print(f"{stem}: {out.name} is not current: restamp it with a run first", file=sys.stderr)
                status = 1
                continue
            restamp_full_records(page, current)
            continue
        with tempfile.TemporaryDirectory(prefix="aelib-restamp-") as scratch:
            now = values(one_run([page], "quick", "mnist", None, 0, "default", Path(scratch), args.timeout))
        if ERRORS:
            print(f"{stem}: cells raised errors; nothing restamped", file=sys.stderr)
            return 1
        if not recorded or now != recorded:
            changed = sorted(k for k in recorded.keys() | now.keys() if recorded.get(k) != now.get(k))
            print(f"{stem}: values differ from the record ({changed or 'no record'}): "
                  "run the margins for this chapter again; nothing restamped", file=sys.stderr)
            status = 1
            continue
        for r in rows:
            if r.get("chapter") == chapter:
                r["code"] = current  # the hash of the code that ran
        print(f"{stem}: {len(now)} values reproduced exactly; record restamped with code {current}")
        write_lines(out, rows)  # kept chapter by chapter
        restamp_full_records(page, current)
    return status


def recorded_source(page: Path, code: str) -> str | None:
    """The version of ``page`` in git's history whose code hash is ``code``, as JSON text."""
    relative = str(page.relative_to(ROOT))

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    for commit in git("log", "--format=%H", "--", relative).split():
        text = git("show", f"{commit}:{relative}")
        try:
            if notebook_code_hash(text) == code:
                return text
        except ValueError:  # not JSON at that commit
            continue
    return None


def restamp_full_records(page: Path, new: str) -> None:
    """``restamp_full_record`` for every full-mode record of the book."""
    for record in sorted((ROOT / "records").glob("full-mode-*.jsonl")):
        restamp_full_record(record, page, new)


def restamp_full_record(record: Path, page: Path, new: str) -> None:
    """Give ``page``'s lines of the full-mode ``record`` the code hash ``new`` if the change since
    the recorded code leaves its mode-dependent lines (budgets) as they were."""
    chapter = f"chapters/{page.stem}"
    rows = read_results(record)
    codes = {r["code"] for r in rows if r.get("chapter") == chapter and "code" in r} - {new}
    if not codes:
        return
    now = mode_dependent_lines(page.read_text(encoding="utf-8"))
    for code in codes:
        old = recorded_source(page, code)
        if old is None or mode_dependent_lines(old) != now:
            why = "its code is not in git's history" if old is None else "budgets or mode tests changed"
            print(f"{record.name}: {page.stem} left stale ({why}): run make record for it")
            return
    for r in rows:
        if r.get("chapter") == chapter and "code" in r:  # (a record from before hashes has none)
            r["code"] = new
    write_lines(record, rows)
    print(f"{record.name}: {page.stem} restamped (no budget or mode test changed)")


if __name__ == "__main__":
    main()
