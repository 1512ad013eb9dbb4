"""A fork server for tests that run the command line in a fresh process many times.

Starting ``python`` and importing torch, scikit-learn, matplotlib and gensim costs seconds of CPU per
process, and the atomic-write cases start dozens. :class:`ForkServer` starts one process that imports
those libraries (never embedkit itself, so that each child imports and patches embedkit as a fresh
interpreter would), then forks a child per request. A child is a process of its own: its resource
limits, signal dispositions, environment and open files are its own, its stdin is ``/dev/null`` and its
stdout and stderr are files, as with ``subprocess.run(capture_output=True)``. It runs the request's
Python code, then the exit handlers, and reports its exit status.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Run by the server: import the heavy libraries, then serve one request (a JSON line) at a time.
SERVER = r"""
import atexit, json, os, signal, sys, traceback

for name in sys.argv[1:]:
    try:
        __import__(name)
    except ImportError:
        pass
print("ready", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
                f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(f, fd)
                os.close(f)
            os.environ.clear()
            os.environ.update(req["env"])
            signal.alarm(req["timeout"])
            sys.argv = ["-c", *req["argv"]]
            try:
                exec(compile(req["code"], "<forkserver>", "exec"), {"__name__": "__main__"})
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                if not isinstance(e.code, int) and e.code is not None:
                    print(e.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
            atexit._run_exitfuncs()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    print(json.dumps(os.waitstatus_to_exitcode(status)), flush=True)
"""

# What the command line's commands import between them.
HEAVY = (
    "numpy",
    "scipy.stats",
    "pyarrow",
    "torch",
    "sklearn.decomposition",
    "sklearn.linear_model",
    "matplotlib.pyplot",
    "gensim.models",
    "jinja2",
)


class ForkServer:
    """One pre-warmed Python process that runs code in a fresh forked child per :meth:`run`."""

    def __init__(self, folder: Path, modules: tuple[str, ...] = HEAVY) -> None:
        self.folder = folder
        self.count = 0
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, *modules], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "ready\n"

    def run(
        self, code: str, argv: list[str], env: dict[str, str], timeout: int = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run ``code`` with ``sys.argv[1:] == argv`` and environment ``env`` in a new child; wait for it."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.count += 1
        out, err = self.folder / f"{self.count}.out", self.folder / f"{self.count}.err"
        req = {"code": code, "argv": argv, "env": env, "timeout": timeout, "stdout": str(out), "stderr": str(err)}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        assert reply, "the fork server ended"
        return subprocess.CompletedProcess(argv, json.loads(reply), out.read_text(), err.read_text())

    def close(self) -> None:
        """End the server."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)
