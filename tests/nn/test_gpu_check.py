"""Tests for benchmarks/gpu_check.py: the prepared GPU check runs end to end on torch's CPU device."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


@pytest.mark.slow
def test_gpu_check_cpu_fallback_writes_its_record(tmp_path, one_torch_thread):
    """Check that the GPU check's CPU fallback runs and records full agreement with the numpy answers."""
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--cpu-fallback", "--synthetic", "--out", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("gpu_check_*_cpu-fallback.json")
    record = json.loads(path.read_text())
    assert record["google"]["vectors"].startswith("synthetic")
    for method in ("3cosadd", "3cosmul"):
        r = record["google"][method]
        assert r["correct_device"] == r["correct_cpu"]
        assert r["agreement_top5"]["differences_are_ties_within_1e-6"] is True
        assert r["search_meets_target"] is None
    assert record["large"]["agreement_top10"]["identical_share"] == 1.0
