#!/usr/bin/env bash
# Runs the example pipeline as one pipeline run with three steps.
# Usage: STELLWERK_URL=http://127.0.0.1:8420 ./run_pipeline.sh [work-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
stellwerk=${STELLWERK_CLI:-stellwerk}
exec $stellwerk run --experiment "${EXPERIMENT:-breast-cancer-demo}" --pipeline demo -- bash "$here/steps.sh" "$work"
