#!/bin/sh
# Provision (or, with --check, audit) a bare macOS arm64 CI host for shipyard.
#
# A native runner has no per-job VM image: every tool a job assumes must already be on the host.
# What the host needs is declared once, in [tool.shipyard.host] of pyproject.toml (Homebrew
# formulae with versions, Xcode command line tools, the Metal toolchain, Python versions); this
# script only bootstraps what `shipyard provision` itself needs, then lets it check or install
# the rest and ends with `shipyard doctor --check` (which tools the configured stages need).
# Idempotent — run it as often as you like; `--check` changes nothing and exits non-zero when
# something is missing.
#
#   ci/provision-macos.sh            # install what is missing
#   ci/provision-macos.sh --check    # report only; non-zero when the host is not ready
set -eu

CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "unknown option: $1 (use --check or nothing)" >&2; exit 2 ;;
esac

say() { printf '%s\n' "$*"; }
fail() { say "missing: $1 — fix: $2"; exit 1; }

[ "$(uname -s)" = Darwin ] || { say "not macOS: nothing to provision here"; exit 1; }
[ "$(uname -m)" = arm64 ] || fail "an arm64 host" "use an Apple Silicon runner (MLX is arm64-only)"
command -v brew >/dev/null 2>&1 || fail "Homebrew" "see https://brew.sh"
command -v python3 >/dev/null 2>&1 || fail "python3" "brew install python@3.12"
python3 -c "import shipyard" 2>/dev/null || fail "shipyard" "python3 -m pip install -e ."

if [ $CHECK = 1 ]; then
  python3 -m shipyard provision --check
else
  python3 -m shipyard provision
fi
python3 -m shipyard doctor --check
