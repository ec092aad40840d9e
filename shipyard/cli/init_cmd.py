"""``shipyard init``: write a commented ``[tool.shipyard]`` (and a noxfile) for a project."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from shipyard.cli.context import Context
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from shipyard.init import Answers, ProjectFacts


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "init", parents=[common], help="write a commented [tool.shipyard] for this project",
        description="Read the project's name, version, console scripts and build backend, and "
        "write a commented [tool.shipyard] into pyproject.toml (the rest of the file is kept "
        "as it is) and a noxfile.py. On a terminal it asks each question with its default; "
        "--yes takes the defaults and the flags. Shows the change; --dry-run writes nothing.")
    parser.add_argument("-y", "--yes", action="store_true",
                        help="ask nothing: take the defaults and the flags")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing [tool.shipyard] (and add to an existing noxfile)")
    parser.add_argument("--ci", action="store_true",
                        help="also write the GitHub Actions workflows (shipyard ci generate)")
    parser.add_argument("--entry", help="what the sidecar's shim runs, module:function "
                        "(default: the project's console script)")
    parser.add_argument("--target", help="sidecar target triple (default: this host's)")
    parser.add_argument("--tag", help="release tag pattern (default: <name>-v{version})")
    parser.add_argument("--publishers", help="comma-separated publishers (default: github when "
                        "the repository is known)")
    parser.add_argument("--github-repo", metavar="OWNER/NAME",
                        help="the GitHub repository (default: from [project.urls] or the git remote)")
    parser.add_argument("--option", action="append", default=[], metavar="PUBLISHER.KEY=VALUE",
                        help="a publisher setting, e.g. --option homebrew.tap=URL (repeatable)")
    parser.add_argument("--pbs-mirror", help='where the interpreter comes from (default "host": '
                        'a copy of this machine\'s Python; "" for python-build-standalone releases)')
    parser.add_argument("--app", metavar="NAME", help="also configure a .app of this name")
    parser.add_argument("--identifier", help="the app's bundle identifier (default: "
                        "com.example.<name>)")
    parser.add_argument("--daemon", action="store_true", help="the app runs a launchd daemon")
    parser.add_argument("--kernels", action="store_true", help="the project has Metal kernels")
    parser.set_defaults(func=cmd_init)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    from shipyard import ui
    from shipyard.buildbackend import missing_backend
    from shipyard.init import describe, plan, read_facts, write

    root = ctx.project_dir.resolve()
    facts = read_facts(root)
    ui.info(describe(facts))
    answers = answers_from_flags(facts, args)
    publishers = ctx.plugins.publisher_options()
    if not args.yes and sys.stdin.isatty():
        answers = ask(facts, answers, publishers)
    elif not args.yes:
        ui.info("not a terminal: taking the defaults and the flags, as with --yes")
    if not facts.scripts and not args.entry:
        ui.notice(f"the project has no console script: the sidecar runs `python -m "
                  f"{answers.entry}` (pass --entry module:function to choose)")
    result = plan(root, facts, answers, force=args.force, publishers=publishers)
    sys.stdout.write(result.diff())
    if result.nox_hint:
        ui.notice("noxfile.py exists: add these lines to it for shipyard's sessions "
                  "(or pass --force to append them):\n" + result.nox_hint)
    backend_missing = missing_backend(root)
    if backend_missing:  # the sidecar build makes the wheel without isolation: say so now
        reason, fix = backend_missing
        ui.notice(f"{reason}; before `nox -s build_sidecar`, install it: {fix}")
    if ctx.dry_run:
        ui.info("dry run: nothing written" + (" (--ci would also write the CI workflows)"
                                              if args.ci else ""))
        return 0
    for path in write(result):
        ui.step(f"wrote {path}")
    if answers.kernels:
        from shipyard.init import kernels_hint

        ui.notice(kernels_hint(facts))
    if args.ci:
        from shipyard.ci.generate import generate

        generate(ctx.project)  # loaded now, from the file just written
    tag = answers.tag.replace("{version}", facts.version or "VERSION")
    ui.info(f"next: `shipyard config show`, `nox -s build_sidecar`, "
            f"`shipyard release {tag} --dry-run`")
    return 0


def answers_from_flags(facts: ProjectFacts, args: argparse.Namespace) -> Answers:
    """The defaults derived from the project, with each flag given on the command line."""
    import dataclasses

    from shipyard.init import default_answers
    from shipyard.sidecar.target import host_triple

    answers = default_answers(facts, target=host_triple())
    flags: dict[str, Any] = {"daemon": args.daemon, "kernels": args.kernels}
    for key in ("entry", "target", "tag"):
        if getattr(args, key):
            flags[key] = getattr(args, key)
    if args.pbs_mirror is not None:
        flags["pbs_mirror"] = args.pbs_mirror
    if args.publishers is not None:
        flags["publishers"] = split_names(args.publishers)
    elif args.github_repo and "github" not in answers.publishers:
        flags["publishers"] = ("github",)
    if args.app:
        flags["app"] = args.app
        flags["identifier"] = args.identifier or default_identifier(facts.name)
    github = {"github": {"repo": args.github_repo}} if args.github_repo else {}
    flags["options"] = merge_options(answers.options, github, parse_options(args.option))
    return dataclasses.replace(answers, **flags)


def default_identifier(name: str) -> str:
    import re

    return "com.example." + (re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-").lower() or "app")


def ask(facts: ProjectFacts, answers: Answers, publishers: dict[str, type | None]) -> Answers:
    """The questions, each with the current answer as its default (rich.prompt)."""
    import dataclasses

    from rich.prompt import Confirm, Prompt

    from shipyard.init import required_options

    entry = Prompt.ask("Entry point the sidecar runs (module:function)", default=answers.entry)
    target = Prompt.ask("Sidecar target triple", default=answers.target)
    tag = Prompt.ask("Release tag pattern", default=answers.tag)
    chosen = split_names(Prompt.ask(
        f"Publishers, comma-separated ({', '.join(sorted(publishers))})",
        default=",".join(answers.publishers)))
    options = merge_options(answers.options)
    for name in chosen:
        for key in required_options(publishers, name):
            default = options.get(name, {}).get(key, "")
            value = Prompt.ask(f"{name}: {key}", default=default or None) or ""
            while not value.strip():  # required: an empty answer would fail after every question
                value = Prompt.ask(f"{name}: {key} has no default, type a value") or ""
            options.setdefault(name, {})[key] = value
    app, identifier, daemon = answers.app, answers.identifier, answers.daemon
    if Confirm.ask("Is it an app (a .app bundle with installers)?", default=bool(app)):
        app = Prompt.ask("App name", default=app or facts.name)
        identifier = Prompt.ask("Bundle identifier",
                                default=identifier or default_identifier(facts.name))
        daemon = Confirm.ask("Does the app run a background daemon (launchd)?", default=daemon)
    else:
        app, identifier, daemon = "", "", False
    kernels = Confirm.ask("Does it have Metal kernels?", default=answers.kernels)
    return dataclasses.replace(answers, entry=entry, target=target, tag=tag, publishers=chosen,
                               options=options, app=app, identifier=identifier, daemon=daemon,
                               kernels=kernels)


def parse_options(items: Sequence[str]) -> dict[str, dict[str, str]]:
    """``--option github.repo=acme/tool`` → {"github": {"repo": "acme/tool"}}."""
    options: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        name, dot, option_key = key.strip().partition(".")
        if not sep or not dot or not name or not option_key:
            raise ConfigError(f"--option {item!r} must look like PUBLISHER.KEY=VALUE",
                              hint="for example: --option github.repo=acme/tool")
        options.setdefault(name, {})[option_key] = value
    return options


def merge_options(*layers: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for layer in layers:
        for name, values in layer.items():
            merged.setdefault(name, {}).update({k: v for k, v in values.items() if v})
    return merged


def split_names(text: str) -> tuple[str, ...]:
    import re

    return tuple(part.strip() for part in re.split(r"[,\s]+", text) if part.strip())
