#!/usr/bin/env bash
# dwvp against int8 PyTorch (oneDNN, one thread): whole-process CPU time of `dwvp run` in
# each mode, the simulation phase, and their ratios to one int8 inference, with issue
# 12's limits. A benchmark, not a test. bench_speed.py says how it measures.
# Usage: bench/speed/bench_speed.sh [build-dir] [repeats] [networks...] [--markdown]
#                                   [--torch-iterations N] [--baseline fx|torchscript]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Debian's interpreter: python3-torch installs for it, not for another python3 that may
# come first on PATH (a pyenv, a venv). Without torch the bench still times dwvp.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || { echo "no python3 found" >&2; exit 2; }
exec "$python" "$here/bench_speed.py" "$@"
