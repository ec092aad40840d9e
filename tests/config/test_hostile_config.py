"""Values that would become file names, versions or code are refused when the config loads.

Each case is exit 4 from ``config show`` (nothing is built), naming the TOML path (or the
environment variable) and the fix.  The sidecar build's own cases, with "nothing installed,
nothing left behind", are in tests/sidecar/test_hostile_inputs.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_project

SC = "[tool.shipyard.sidecar]\n"
CASES = [
    # (id, [tool.shipyard] text, env, expected fragments: message, then hint)
    ("sidecar-name-slash", SC + 'name = "a/b"', {},
     ["tool.shipyard.sidecar.name contains a path separator: 'a/b'", "hint: use letters"]),
    ("sidecar-name-dotdot", SC + 'name = ".."', {},
     ["tool.shipyard.sidecar.name is a relative directory name", "hint: use letters"]),
    ("sidecar-name-space", SC + 'name = "my app"', {},
     ["tool.shipyard.sidecar.name contains characters other than", "hint: use letters"]),
    ("archive-nul", SC + 'archive = "x\\u0000.tar.gz"', {},
     ["tool.shipyard.sidecar.archive contains a NUL byte", "hint: remove the \\u0000 escape"]),
    ("out-dir-nul", '[tool.shipyard]\nout-dir = "di\\u0000st"', {},
     ["tool.shipyard.out-dir contains a NUL byte"]),
    ("mirror-nul", SC + 'pbs-mirror = "/srv/\\u0000"', {},
     ["tool.shipyard.sidecar.pbs-mirror contains a NUL byte"]),
    ("list-item-nul", SC + 'packages = ["mlx\\u0000"]', {},
     ["tool.shipyard.sidecar.packages[0] contains a NUL byte"]),
    ("archive-escapes", SC + 'archive = "../{name}.tar.gz"', {},
     ["tool.shipyard.sidecar.archive (expanded from '../{name}.tar.gz') contains a path separator"]),
    ("archive-placeholder", SC + 'archive = "{name}-{arch}.tar.gz"', {},
     ["tool.shipyard.sidecar.archive '{name}-{arch}.tar.gz' is not a valid template",
      "placeholders: {name}, {target}, {version}"]),
    ("archive-attribute", SC + 'archive = "{name.__class__}.tar.gz"', {},
     ["tool.shipyard.sidecar.archive '{name.__class__}.tar.gz' is not a valid template: "
      "'{name.__class__}' is not one of its placeholders"]),
    # every other template is checked the same way when loaded, not formatted late in a release
    ("release-notes-unknown", '[tool.shipyard.updates]\nrelease-notes-url = "https://x/{nope}"',
     {}, ["tool.shipyard.updates.release-notes-url 'https://x/{nope}' is not a valid template",
          "placeholders: {tag}, {version}"]),
    ("feed-url-brace", '[tool.shipyard.updates]\nfeed-url = "https://x/{file"', {},
     ["tool.shipyard.updates.feed-url 'https://x/{file' is not a valid template"]),
    ("appcast-name-index", '[tool.shipyard.updates]\nappcast-name = "{channel[0]}.xml"', {},
     ["tool.shipyard.updates.appcast-name", "'{channel[0]}' is not one of its placeholders"]),
    ("updates-download-positional", '[tool.shipyard.updates]\ndownload-url = "https://x/{}"', {},
     ["tool.shipyard.updates.download-url 'https://x/{}' is not a valid template"]),
    ("homebrew-download-spec", '[tool.shipyard.publish.homebrew]\ntap = "https://h/t.git"\n'
     'download-url = "https://x/{name!r:>{version}}"', {},
     ["tool.shipyard.publish.homebrew.download-url", "is not one of its placeholders"]),
    # npm: the command and the package's last name part name files of the packed packages
    ("npm-bin-climbs-out", '[tool.shipyard.publish.npm]\npackage = "@mlx/runner"\n'
     'bin = "../../../escape"', {},
     ["tool.shipyard.publish.npm.bin contains a path separator: '../../../escape'"]),
    ("npm-package-name", '[tool.shipyard.publish.npm]\npackage = "@mlx/.."', {},
     ["tool.shipyard.publish.npm.package '@mlx/..' is not an npm package name",
      'package = "@mlx/runner"']),
    ("npm-binary-climbs-out", '[tool.shipyard.publish.npm]\npackage = "runner"\n'
     'binary = "bin/../../x"', {},
     ["tool.shipyard.publish.npm.binary 'bin/../../x' must be a relative path inside"]),
    ("appcast-directory-climbs-out", '[tool.shipyard.publish.appcast]\nrepo = "https://h/p.git"\n'
     'directory = "../../.."', {},
     ["tool.shipyard.publish.appcast.directory '../../..' must be a relative path inside the "
      "repository"]),
    ("swiftpm-download-attribute", '[tool.shipyard.publish.swiftpm]\nrepo = "https://h/s.git"\n'
     'package = "Demo"\ndownload-url = "https://x/{tag.__class__.__mro__}"', {},
     ["tool.shipyard.publish.swiftpm.download-url", "'{tag.__class__.__mro__}' is not one"]),
    ("archive-suffix", SC + 'archive = "{name}.zip"', {},
     ["must be a file name ending in .tar.gz, got 'demo.zip'"]),
    ("pbs-version-shell", SC + 'pbs-version = "3.12.13; rm"', {},
     ["tool.shipyard.sidecar.pbs-version '3.12.13; rm' is not valid",
      'hint: for example: pbs-version = "3.12.13"']),
    ("pbs-version-env", "", {"PBS_VERSION": "3.12.13\n"},
     ["tool.shipyard.sidecar.pbs-version '3.12.13\\n' is not valid (from env:PBS_VERSION)"]),
    ("pbs-tag-path", SC + 'pbs-tag = "2026/06"', {},
     ["tool.shipyard.sidecar.pbs-tag '2026/06' is not valid", "the release date"]),
    ("macos-version", SC + 'macos-version = "14.0 "', {},
     ["tool.shipyard.sidecar.macos-version '14.0 ' is not valid"]),
    ("target-env", "", {"SHIPYARD_SIDECAR_TARGET": "arm64-apple-macos"},
     ["unknown sidecar target", "(from env:SHIPYARD_SIDECAR_TARGET)"]),
    ("entry-code", SC + 'entry = "tool:main; import os"', {},
     ["tool.shipyard.sidecar.entry 'tool:main; import os' is not `module` or `module:function`"]),
    ("smoke-import", SC + 'smoke-imports = ["os; x"]', {},
     ["tool.shipyard.sidecar.smoke-imports[0] 'os; x' is not an importable module name"]),
    ("strip-climbs-out", SC + 'strip = ["../../../.."]', {},
     ["tool.shipyard.sidecar.strip[0] '../../../..' must be a relative glob inside the bundle"]),
    ("strip-absolute", SC + 'strip = ["/etc"]', {},
     ["tool.shipyard.sidecar.strip[0] '/etc' must be a relative glob"]),
    ("entitlement", SC + 'entitlements = ["allow jit"]', {},
     ["tool.shipyard.sidecar.entitlements: 'allow jit' is not an entitlement key"]),
    ("sign-rule-entitlement", '[[tool.shipyard.sign.rules]]\npattern = "bin/*"\n'
     'entitlements = [""]', {},
     ["tool.shipyard.sign.rules[0].entitlements: '' is not an entitlement key"]),
    ("variant-name", '[tool.shipyard.kernels.variants."a/b"]', {},
     ['tool.shipyard.kernels.variants.a/b contains a path separator']),
    ("variant-define", '[tool.shipyard.kernels.variants.f16]\ndefines = { "A B" = "1" }', {},
     ["tool.shipyard.kernels.variants.f16.defines: 'A B' is not a preprocessor macro name"]),
    ("deployment-target-unicode", '[tool.shipyard.kernels]\ndeployment-target = "1\u00b2.0"', {},
     ['tool.shipyard.kernels.deployment-target must look like "14.0"']),
    ("wheel-path", '[tool.shipyard.kernels]\nwheel-path = "../evil"', {},
     ["tool.shipyard.kernels.wheel-path '../evil' must be a relative path inside the wheel"]),
    ("kernels-package", '[tool.shipyard.kernels]\npackage = "my pkg"', {},
     ["tool.shipyard.kernels.package 'my pkg' is not an importable module name"]),
    ("family-name", '[tool.shipyard.release.families."x y"]\ntag = "v{version}"', {},
     ["tool.shipyard.release.families.x y contains characters other than"]),
    ("family-tag-twice", '[tool.shipyard.release.families.app]\ntag = "v{version}-{version}"', {},
     ["tool.shipyard.release.families.app.tag must contain `{version}` exactly once"]),
    ("family-tag-space", '[tool.shipyard.release.families.app]\ntag = "v {version}"', {},
     ["tool.shipyard.release.families.app.tag 'v {version}' holds characters a git tag cannot"]),
    ("channel", '[tool.shipyard.release]\nchannels = { beta = "../beta" }', {},
     ["tool.shipyard.release.channels.beta contains a path separator"]),
    ("state-file", '[tool.shipyard.release]\nstate-file = "../state.json"', {},
     ["tool.shipyard.release.state-file contains a path separator"]),
    ("identifier", '[tool.shipyard.package]\nidentifier = "com.example app"', {},
     ["tool.shipyard.package.identifier 'com.example app' is not valid",
      'identifier = "com.example.app"']),
    ("volume-name", '[tool.shipyard.package]\nvolume-name = "a/b"', {},
     ["tool.shipyard.package.volume-name contains a path separator"]),
]


@pytest.mark.parametrize(("toml", "env", "fragments"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_unsafe_value_is_refused_at_load_with_its_path_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    toml: str, env: dict[str, str], fragments: list[str],
) -> None:
    for name in ("PBS_VERSION", "SHIPYARD_PBS_VERSION", "SHIPYARD_SIDECAR_TARGET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    project = write_project(tmp_path / "proj", toml)
    code, out, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 4, err
    assert out == "" and "Traceback" not in err and "bug in shipyard" not in err
    for fragment in fragments:
        assert fragment in err
    assert "hint:" in err
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml"]


def test_project_name_used_as_sidecar_name_is_checked(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path, "[tool.shipyard.sidecar]", name="my app")
    code, _, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 4
    assert "project.name contains characters other than" in err
    assert "it names the sidecar bundle, since tool.shipyard.sidecar.name is not set" in err
    assert 'hint: set tool.shipyard.sidecar.name = "my-app"' in err


def test_publisher_names_are_path_components(tmp_path: Path) -> None:
    from shipyard.config.loader import load_project
    from shipyard.errors import ConfigError

    write_project(tmp_path, '[tool.shipyard.publish."../x"]')
    with pytest.raises(ConfigError, match=r"tool\.shipyard\.publish\.\.\./x contains a path"):
        load_project(tmp_path, env={})


@pytest.mark.parametrize(("data", "offset", "line", "column"), [
    (b'[project]\nname = "d\xffmo"\n', 19, 2, 10),
    (b"\xfe\xff[project]\n", 0, 1, 1),
    (b'[project]\nname = "demo"\n# caf\xe9\n', 29, 3, 6),
])
def test_invalid_utf8_in_pyproject_is_exit_4_with_the_byte_offset(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, offset: int, line: int,
        column: int) -> None:
    (tmp_path / "pyproject.toml").write_bytes(data)
    code, out, err = run_cli(capsys, "-C", str(tmp_path), "config", "show")
    assert code == 4 and out == "", err
    assert f"project file {tmp_path / 'pyproject.toml'} is not valid UTF-8" in err
    assert f"at offset {offset} (line {line}, column {column})" in err
    assert "hint: save the file as UTF-8" in err
    assert "Traceback" not in err and "bug in shipyard" not in err


def test_plausible_values_still_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path, SC + 'name = "my-tool_2"\npbs-version = "3.14.0rc2"\n'
                            'pbs-tag = "20260610"\nentry = "my_tool.cli:main.run"\n'
                            'archive = "{name}-{version}-{target}.tar.gz"\n'
                            '[tool.shipyard.release.families.sidecar]\ntag = "sidecar/v{version}"\n'
                            '[tool.shipyard.package]\nidentifier = "com.example.my-tool"\n'
                            'volume-name = "My Tool"\n')
    code, _, err = run_cli(capsys, "-C", str(project), "config", "show")
    assert code == 0, err
