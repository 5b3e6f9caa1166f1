#!/usr/bin/env bash
# Check which Hugging Face models your token can use, and what to do about the others.
#
#   ./check_models.sh                      # checks models_to_check.txt (next to this script, or here)
#   ./check_models.sh gpt2 meta-llama/Llama-2-7b-hf
#   ./check_models.sh -f my_models.txt --format json
#
# Works from any directory. Uses an installed `hubgate` when there is one; otherwise it sets up a
# virtual environment next to this script (.venv) on first use. All arguments go to `hubgate check`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -x "$here/.venv/bin/hubgate" ]; then
    hubgate=("$here/.venv/bin/hubgate")
elif command -v hubgate >/dev/null 2>&1 && [ -z "${HUBGATE_FORCE_VENV:-}" ]; then
    hubgate=(hubgate)
else
    echo "Setting up hubgate in $here/.venv (first run only)..." >&2
    "${PYTHON:-python3}" -m venv "$here/.venv"
    "$here/.venv/bin/python" -m pip install --quiet -e "$here" >&2
    hubgate=("$here/.venv/bin/hubgate")
fi

# With no ids and no -f (options alone, such as --format github, count as none) and no list in the
# current directory, hubgate checks the list shipped beside this script.
export HUBGATE_DEFAULT_LIST="$here/models_to_check.txt"
exec "${hubgate[@]}" check "$@"
