"""Run the tests that train a model and assert what it learnt (``-m trains``) over seeds and CPU kernels.

A test that trains and asserts an outcome must pass for every seed and on every CPU, not only for the
seed and the machine it was written on (issue 23: a seq2seq test passed with AVX2 kernels and failed
with AVX-512 ones). This script runs ``pytest -m trains`` once per seed (``EMBEDKIT_TEST_SEED``, which
``tests/seeds.py`` adds to each such test's seeds) under each ``ATEN_CPU_CAPABILITY``, and prints the
tests that failed in any run. Usage, from the project root::

    python tests/sweep_seeds.py                      # seeds 0-9 under avx2 and default: 20 runs
    python tests/sweep_seeds.py --seeds 3 --caps native avx2 -k seq2seq

``native`` leaves ``ATEN_CPU_CAPABILITY`` unset (the machine's best kernels). Exit status 1 if any run
failed. docs/contributing.md gives the rule and the figures of the last full sweep.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import defaultdict


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default: %(default)s)")
    ap.add_argument("--caps", nargs="+", default=["avx2", "default"], help="ATEN_CPU_CAPABILITY values, or native")
    ap.add_argument("-k", default=None, help="pytest -k expression to narrow the tests")
    args = ap.parse_args(argv)
    failures: dict[str, list[str]] = defaultdict(list)
    runs = 0
    for cap in args.caps:
        for s in range(args.seeds):
            env = {**os.environ, "EMBEDKIT_TEST_SEED": str(s)}
            env.pop("ATEN_CPU_CAPABILITY", None)
            if cap != "native":
                env["ATEN_CPU_CAPABILITY"] = cap
            cmd = [sys.executable, "-m", "pytest", "tests", "-m", "trains", "-q", "-p", "no:cacheprovider", "-rf"]
            if args.k:
                cmd += ["-k", args.k]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            runs += 1
            failed = re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.MULTILINE)
            last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-200:]
            print(f"{cap:>8} seed {s}: {last} ({time.perf_counter() - t0:.0f} s)", flush=True)
            for name in failed:
                failures[name].append(f"{cap}/seed {s}")
            if proc.returncode not in (0, 1):  # 1: tests failed (listed); anything else: pytest itself failed
                failures["(pytest did not run)"].append(f"{cap}/seed {s}: exit {proc.returncode}")
    if not failures:
        print(f"all {runs} runs passed")
        return 0
    for name, where in sorted(failures.items()):
        print(f"FAILED {name}: {', '.join(where)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
