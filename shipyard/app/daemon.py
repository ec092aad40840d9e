"""The app's daemon as a launchd job: its plist and the install / uninstall scripts.

launchd does not expand ``~`` (a literal ``~/Library/Logs/...`` makes the job fail to start),
so the job's plist cannot be written at build time for a per-user agent: the generated
``install-daemon`` script writes it on the user's Mac with ``$HOME`` expanded.  The same
plist, rendered here for a sample home folder, is parsed back and checked at build time, so
a bad job definition fails the build and not the install.

Both scripts are POSIX ``sh`` (they run under dash in the tests), idempotent (running them
twice leaves the same state), and use ``launchctl bootstrap`` / ``bootout`` — the
``load``/``unload`` subcommands are deprecated.  ``$UID`` is a bash variable, not POSIX, so
the scripts ask ``id -u``.
"""

from __future__ import annotations

import plistlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.app.plist import check_launchd_plist
from shipyard.app.validate import DaemonPlan
from shipyard.fsutil import atomic_write_text
from shipyard.writers import sh

HOME_MARK = "@@SHIPYARD_HOME@@"
#: Where the scripts live inside the bundle (they find the app from there).
SCRIPTS_DIR = "Contents/Resources/daemon"


@dataclass(frozen=True)
class DaemonLayout:
    """Where a scope puts the job, the program link and the plist (``~`` = the user's home)."""

    domain: str  # shell expression
    plist_dir: str
    bin_dir: str

    @classmethod
    def for_scope(cls, scope: str, app_name: str) -> DaemonLayout:
        if scope == "system":
            return cls('system', "/Library/LaunchDaemons", f"/Library/{app_name}/bin")
        return cls('gui/$(id -u)', "~/Library/LaunchAgents",
                   f"~/Library/Application Support/{app_name}/bin")


def program_name(plan: DaemonPlan, app_executable: str) -> str:
    return Path(plan.program).name if plan.program else app_executable


def job(plan: DaemonPlan, app_name: str, app_executable: str, home: str) -> dict[str, Any]:
    """The launchd job for a user whose home folder is ``home``."""
    layout = DaemonLayout.for_scope(plan.scope, app_name)
    program = f"{_expand(layout.bin_dir, home)}/{program_name(plan, app_executable)}"
    return {
        "Label": plan.label,
        "ProgramArguments": [program, *plan.arguments],
        "RunAtLoad": plan.run_at_load,
        "KeepAlive": plan.keep_alive,
        "StandardOutPath": _expand(plan.stdout, home),
        "StandardErrorPath": _expand(plan.stderr, home),
        "ProcessType": "Background",
    }


def _expand(path: str, home: str) -> str:
    return home + path[1:] if path.startswith("~/") else path


def check_job(plan: DaemonPlan, app_name: str, app_executable: str) -> dict[str, Any]:
    """Render the job for a sample home, parse it back, check launchd's keys."""
    data = job(plan, app_name, app_executable, "/Users/example")
    parsed = plistlib.loads(plistlib.dumps(data, sort_keys=True))
    check_launchd_plist(parsed, f"launchd job {plan.label}")
    return parsed


def sh_quote(value: str) -> str:
    return sh.word(value)


def _sh_path(path: str) -> str:
    """A shell word for ``path``, ``~/`` becoming ``"$HOME"/``."""
    return f'"$HOME"/{sh.word(path[2:])}' if path.startswith("~/") else sh.word(path)


def _home_mark(plan: DaemonPlan, app_name: str) -> str:
    """A marker for the home folder that no configured value contains."""
    values = "\0".join([app_name, plan.label, plan.program, plan.stdout, plan.stderr,
                        *plan.arguments])
    mark = HOME_MARK
    while mark in values:
        mark += "@"
    return mark


def _common(plan: DaemonPlan, app_name: str, app_executable: str) -> str:
    layout = DaemonLayout.for_scope(plan.scope, app_name)
    name = program_name(plan, app_executable)
    program = plan.program or f"MacOS/{app_executable}"
    root_check = ('[ "$(id -u)" -eq 0 ] || { echo "$0: a system daemon needs root: '
                  'sudo $0" >&2; exit 1; }\n') if plan.scope == "system" else ""
    return (
        "set -eu\n"
        f"label={sh_quote(plan.label)}\n"
        f"domain={layout.domain}\n"
        f"plist={_sh_path(layout.plist_dir)}/\"$label.plist\"\n"
        f"bindir={_sh_path(layout.bin_dir)}\n"
        f"link=\"$bindir\"/{sh_quote(name)}\n"
        f"stdout_log={_sh_path(plan.stdout)}\n"
        f"stderr_log={_sh_path(plan.stderr)}\n"
        'here=$(cd "$(dirname "$0")" && pwd -P)\n'
        'app=$(cd "$here/../../.." && pwd -P)\n'
        f"program=\"$app/Contents\"/{sh_quote(program)}\n"
        + root_check
        + "loaded() { launchctl print \"$domain/$label\" >/dev/null 2>&1; }\n"
    )


def install_script(plan: DaemonPlan, app_name: str, app_executable: str) -> str:
    mark = _home_mark(plan, app_name)
    template = plistlib.dumps(job(plan, app_name, app_executable, mark), sort_keys=True)
    # The plist's text is written by printf from single-quoted words, the user's home folder
    # (XML-escaped) spliced in between them: no value can end a quote or run a command.
    pieces: list[tuple[str, bool]] = []
    for index, text in enumerate(template.decode("utf-8").split(mark)):
        pieces += [("xml_home", True)] * bool(index) + [(text, False)]
    return (
        "#!/bin/sh\n"
        "# Install the launchd job of this app. Safe to run again: an already loaded job\n"
        "# is booted out and bootstrapped with the current plist.\n"
        + _common(plan, app_name, app_executable)
        + '[ -x "$program" ] || { echo "$0: $program is missing or not executable" >&2; exit 1; }\n'
        'xml_home=$(printf \'%s\' "$HOME" | sed -e \'s/&/\\&amp;/g\' -e \'s/</\\&lt;/g\' '
        '-e \'s/>/\\&gt;/g\')\n'
        'mkdir -p "$bindir" "$(dirname "$plist")" "$(dirname "$stdout_log")" '
        '"$(dirname "$stderr_log")"\n'
        'ln -sfn "$program" "$link"\n'
        'tmp="$plist.tmp.$$"\n'
        + sh.printf_text(pieces) + ' > "$tmp"\n'
        'mv -f "$tmp" "$plist"\n'
        'if loaded; then launchctl bootout "$domain/$label"; fi\n'
        'launchctl bootstrap "$domain" "$plist"\n'
        'echo "installed $label ($plist)"\n'
    )


def uninstall_script(plan: DaemonPlan, app_name: str, app_executable: str) -> str:
    return (
        "#!/bin/sh\n"
        "# Remove the launchd job of this app. Safe to run again.\n"
        + _common(plan, app_name, app_executable)
        + 'if loaded; then launchctl bootout "$domain/$label"; fi\n'
        'rm -f "$plist" "$link"\n'
        'rmdir "$bindir" 2>/dev/null || true\n'
        'echo "removed $label"\n'
    )


def postinstall_script(plan: DaemonPlan, app_name: str) -> str:
    """The pkg's postinstall: run install-daemon for the console user (or as root)."""
    script = f'"$app"/{sh_quote(SCRIPTS_DIR + "/install-daemon")}'
    head = ("#!/bin/sh\n"
            "# Installer postinstall: install the app's launchd job.\n"
            "set -eu\n"
            f'app="${{3%/}}${{2%/}}"/{sh_quote(app_name + ".app")}\n')
    if plan.scope == "system":
        return head + f"{script}\n"
    return head + (
        "user=$(stat -f %Su /dev/console)\n"
        'if [ -z "$user" ] || [ "$user" = root ]; then\n'
        "  echo " + sh.word(f"nobody is logged in: run {app_name}.app/{SCRIPTS_DIR}/"
                            "install-daemon later") + "\n"
        "  exit 0\n"
        "fi\n"
        'uid=$(id -u "$user")\n'
        f'launchctl asuser "$uid" sudo -u "$user" -H {script}\n'
    )


def write_daemon_scripts(plan: DaemonPlan, app_root: Path, app_name: str,
                         app_executable: str) -> list[Path]:
    """Write install-daemon / uninstall-daemon into the bundle at ``app_root``."""
    check_job(plan, app_name, app_executable)
    folder = app_root / SCRIPTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("install-daemon", install_script(plan, app_name, app_executable)),
                       ("uninstall-daemon", uninstall_script(plan, app_name, app_executable))):
        path = folder / name
        atomic_write_text(path, text)
        path.chmod(0o755)
        written.append(path)
    return written
