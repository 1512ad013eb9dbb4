"""How this process was launched: under ``torchrun`` with several processes, and which one it is.

Both answers come from the environment ``torchrun`` sets (``WORLD_SIZE``, ``RANK``), so they need
no torch and no process group: the command line asks them before anything heavy is imported.

Examples
--------
>>> under_torchrun(), is_main_process()  # a plain run
(False, True)
"""

from __future__ import annotations

import os

__all__ = ["is_main_process", "under_torchrun"]


def under_torchrun() -> bool:
    """Whether this process is one of several started by ``torchrun`` (read from its environment,
    without importing torch)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def is_main_process() -> bool:
    """Rank 0 under ``torchrun`` (the process that reports and writes outputs), or a plain run."""
    return int(os.environ.get("RANK", "0")) == 0
