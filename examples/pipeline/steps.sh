#!/usr/bin/env bash
# The pipeline's steps, each its own run inside the pipeline run (nested `stellwerk run`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
stellwerk=${STELLWERK_CLI:-stellwerk}
$stellwerk run --step prepare -- python3 "$here/prepare.py" "$work"
$stellwerk run --step train --param epochs=20 -- python3 "$here/train.py" "$work" 20
$stellwerk run --step evaluate -- python3 "$here/evaluate.py" "$work"
