"""A long fuzzing session of every reader: the properties of tests/io/test_fuzz_loaders.py, many more examples.

Run:  python benchmarks/fuzz_long.py [--minutes 5] [--examples 500]

Repeats each property (valid files read exactly; mutated text, binary and compressed files read
exactly or refused with VectorFileError; random bytes as every format; damaged .ekv files;
truncated and flipped fastText .bin models) with fresh random seeds, ``--examples`` examples per
round, round-robin until the time is up. Prints, per property, the examples run and the
failures (hypothesis's shrunk counterexample), then exits non-zero if anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--examples", type=int, default=500, help="examples per property per round")
    args = ap.parse_args()
    os.environ["EMBEDKIT_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ["EMBEDKIT_FUZZ_RANDOM"] = "1"
    os.environ.setdefault("EMBEDKIT_CACHE", tempfile.mkdtemp(prefix="ek-fuzz-cache-"))
    sys.path.insert(0, str(ROOT))
    from tests.io import test_fuzz_loaders as T

    props = [
        *[
            (f"valid[{f}]", T.test_valid_files_read_exactly, {"fmt": f})
            for f in ("glove", "word2vec", "word2vec-binary")
        ],
        *[
            (f"mutated[{f}]", T.test_mutated_files_are_read_exactly_or_refused, {"fmt": f})
            for f in ("glove", "word2vec", "word2vec-binary")
        ],
        ("random bytes", T.test_random_bytes_never_crash, {}),
        ("compressed", T.test_mutated_compressed_streams, {}),
        ("ekv", T.test_mutated_embedkit_files_and_caches, {}),
        ("fasttext-bin", T.test_mutated_fasttext_binary, {}),
    ]
    stats = {name: [0, []] for name, _, _ in props}
    deadline = time.monotonic() + 60 * args.minutes
    rnd = 0
    while time.monotonic() < deadline:
        rnd += 1
        for name, fn, kw in props:
            if time.monotonic() >= deadline:
                break
            n = args.examples if name != "fasttext-bin" else max(5, args.examples // 6)
            with tempfile.TemporaryDirectory() as d:
                try:
                    fn(tmp=Path(d), **kw)
                except Exception as exc:  # noqa: BLE001 - report every failure and go on
                    stats[name][1].append("".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000])
            stats[name][0] += n
        print(f"# round {rnd} done at {time.strftime('%H:%M:%S')}", flush=True)
    print("| property | examples | failures |\n|---|---|---|")
    failed = 0
    for name, (n, fails) in stats.items():
        failed += len(fails)
        print(f"| {name} | {n} | {len(fails)} |")
    for name, (_, fails) in stats.items():
        for f in fails:
            print(f"\n## {name}\n{f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
