"""Write a large synthetic word2vec file (default 3,000,000 x 300, binary: 3.6 GB) for the scale runs.

Run:  python benchmarks/make_big_vectors.py [--rows 3000000] [--dim 300] [--format binary|text]
                                            [--out /tmp/embedkit-big/big-3000000x300.bin]

Never commit the output: it goes under /tmp by default. The vectors are a mixture of Gaussian
clusters (20,000 centres, each row a centre plus noise), so that nearest neighbours have real
structure, as in trained embeddings, rather than the uniform noise on which every approximate
index does badly. Words are ``w0``, ``w1``, ...; the file is written in blocks (bounded memory),
with the same layout word2vec's C tool writes (``count dim`` header, then ``word<space><dim
little-endian float32>\\n`` per word; text: ``word v1 ... vdim`` with 5 significant digits).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

BLOCK = 50_000


def rows(n: int, dim: int, seed: int = 0, centres: int = 20_000):
    """Yield ``(first_row, float32 block)`` for ``n`` rows, deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((centres, dim), dtype=np.float32)
    for s in range(0, n, BLOCK):
        m = min(BLOCK, n - s)
        r = np.random.default_rng([seed, s])
        block = C[r.integers(0, centres, m)] + 0.6 * r.standard_normal((m, dim), dtype=np.float32)
        yield s, block.astype(np.float32)


def write(path: Path, n: int, dim: int, fmt: str, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        f.write(f"{n} {dim}\n".encode())
        for s, block in rows(n, dim, seed):
            words = [f"w{i}".encode() for i in range(s, s + len(block))]
            if fmt == "binary":
                le = block.astype("<f4")
                f.write(b"".join(w + b" " + le[i].tobytes() + b"\n" for i, w in enumerate(words)))
            else:
                text = np.char.mod("%.5g", block)
                f.write(
                    ("\n".join(w.decode() + " " + " ".join(t) for w, t in zip(words, text.tolist())) + "\n").encode()
                )
    os.replace(tmp, path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--format", choices=["binary", "text"], default="binary")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    ext = "bin" if args.format == "binary" else "txt"
    out = args.out or Path(f"/tmp/embedkit-big/big-{args.rows}x{args.dim}.{ext}")
    t = time.perf_counter()
    write(out, args.rows, args.dim, args.format, args.seed)
    print(f"wrote {out} ({out.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    print(out)


if __name__ == "__main__":
    main()
