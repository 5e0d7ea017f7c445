#!/usr/bin/env bash
# The pipeline's steps, each its own run inside the pipeline run (nested `stellwerk run`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
stellwerk=${STELLWERK_CLI:-stellwerk}
python=${PYTHON:-python3}
$stellwerk run --step prepare -- $python "$here/prepare.py" "$work"
$stellwerk run --step train --param epochs=20 -- $python "$here/train.py" "$work" 20
$stellwerk run --step evaluate -- $python "$here/evaluate.py" "$work"
