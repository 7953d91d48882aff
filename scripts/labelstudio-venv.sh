#!/usr/bin/env bash
# Create (once) the Label Studio virtual environment the end-to-end test runs: label-studio from PyPI, kept apart
# from .venv because it is a heavy Django app with its own pins. Prints the venv path on success.
#
#   scripts/labelstudio-venv.sh            # -> .cache/ls-venv (or $SPANSUGGEST_LS_VENV)
#
# Idempotent and cached: the install is skipped while the venv's stamp names the wanted version. Concurrent callers
# wait on a lock (flock), so a test and `./dev test` never install twice. $PYTHON picks the interpreter (python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${SPANSUGGEST_LS_VERSION:-1.23.2}"
VENV="${SPANSUGGEST_LS_VENV:-$ROOT/.cache/ls-venv}"
STAMP="$VENV/.ls-stamp"

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
if [[ -x "$VENV/bin/label-studio" && -f "$STAMP" && "$(cat "$STAMP")" == "label-studio==$VERSION" ]]; then
    echo "$VENV"
    exit 0
fi
started=$SECONDS
LOG="$VENV.log"
echo "labelstudio-venv: installing label-studio==$VERSION into $VENV (log: $LOG)" >&2
rm -rf "$VENV"
if ! { "${PYTHON:-python3}" -m venv "$VENV" &&
       "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
       "$VENV/bin/python" -m pip install --disable-pip-version-check "label-studio==$VERSION"; } >"$LOG" 2>&1; then
    tail -n 20 "$LOG" >&2
    echo "labelstudio-venv: FAILED to install label-studio==$VERSION (full log: $LOG)" >&2
    rm -rf "$VENV"
    exit 1
fi
echo "label-studio==$VERSION" > "$STAMP"
echo "labelstudio-venv: installed in $((SECONDS - started)) s" >&2
echo "$VENV"
