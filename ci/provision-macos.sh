#!/bin/sh
# Provision (or, with --check, audit) a bare macOS arm64 CI host for shipyard.
#
# A native runner has no per-job VM image: every tool a job assumes must already be on the host.
# This script is idempotent — run it as often as you like — and `--check` changes nothing and
# exits 1 when something is missing.  It ends with `shipyard doctor --check`, which knows which
# tools the configured stages of the project in the current directory need.
#
#   ci/provision-macos.sh            # install what is missing
#   ci/provision-macos.sh --check    # report only; non-zero when the host is not ready
set -eu

CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
  *) echo "unknown option: $1 (use --check or nothing)" >&2; exit 2 ;;
esac

# Homebrew formulae the jobs need (ruby: formula syntax checks; node: npm publishing).
FORMULAE="git node ruby python@3.12"
missing=0

say() { printf '%s\n' "$*"; }
need() { say "missing: $1 — fix: $2"; missing=1; }

[ "$(uname -s)" = Darwin ] || { say "not macOS: nothing to provision here"; exit 1; }
[ "$(uname -m)" = arm64 ] || need "an arm64 host" "use an Apple Silicon runner (MLX is arm64-only)"

# Xcode: DEVELOPER_DIR always comes from xcode-select, never a hard-coded path.
if dev_dir=$(xcode-select -p 2>/dev/null); then
  say "ok: developer dir $dev_dir"
else
  if [ $CHECK = 1 ]; then need "Xcode or the Command Line Tools" "xcode-select --install"
  else xcode-select --install || true; fi
fi

# Xcode 26 ships the Metal toolchain as a separate component.
if xcodebuild -showComponent MetalToolchain 2>/dev/null | grep -q "Status: installed"; then
  say "ok: Metal toolchain"
elif [ $CHECK = 1 ]; then
  need "the Metal toolchain" "xcodebuild -downloadComponent MetalToolchain"
else
  xcodebuild -downloadComponent MetalToolchain
fi

if command -v brew >/dev/null 2>&1; then
  for formula in $FORMULAE; do
    if brew list --versions "$formula" >/dev/null 2>&1; then say "ok: $formula"
    elif [ $CHECK = 1 ]; then need "$formula" "brew install $formula"
    else brew install "$formula"; fi
  done
else
  need "Homebrew" "see https://brew.sh"
fi

if [ $missing = 1 ]; then exit 1; fi
if command -v python3 >/dev/null 2>&1 && python3 -c "import shipyard" 2>/dev/null; then
  python3 -m shipyard doctor --check
fi
