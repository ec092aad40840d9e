"""The notary v2 REST client and the ``rest`` notarizer against a loopback server, and the
notarize stage on Linux end to end: submit, wait and fetch the log through the stand-in, then
staple with apple-platform-py, apps before the images holding them.  Apple's ticket lookup is
not reachable from a test, so the staple call itself is replaced: what is checked is which
files are stapled, in which order, and how a lagging lookup is retried and then reported."""

from __future__ import annotations

import base64
import itertools
import json
import plistlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shipyard.errors import CommandError, CredentialsError, NotarizationError
from shipyard.manifest import Artifact, Manifest, record_artifact, tree_sha256
from shipyard.plugins.builtin.notary_rest import RestNotarizer
from shipyard.signing import staple
from shipyard.signing.notary_rest import load_p8, make_jwt
from shipyard.signing.stage import run_notarize
from shipyard.stages import StageContext
from shipyard.tools.xcrun import Stapler
from tests.signing.artifacts import add_dmg, add_sidecar
from tests.signing.conftest import StageFactory
from tests.signing.notary_server import ISSUES, NotaryServer, check_jwt

pytestmark = pytest.mark.integration
KEY_ID, ISSUER = "2X9R4HXF34", "57246542-96fe-1a63-e053-0824d011072a"


@pytest.fixture(scope="module")
def api_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def server(api_key: ec.EllipticCurvePrivateKey) -> Iterator[NotaryServer]:
    with NotaryServer(api_key.public_key(), KEY_ID, ISSUER) as running:
        yield running


@pytest.fixture
def rest_project(project_dir: Path, server: NotaryServer, api_key: ec.EllipticCurvePrivateKey,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    pem = api_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    (project_dir / "AuthKey.p8").write_bytes(pem)
    text = (project_dir / "pyproject.toml").read_text().replace(
        'keychain-profile = "shipyard-notary"',
        f'notarizer = "rest"\napi-key = "AuthKey.p8"\napi-key-id = "{KEY_ID}"\n'
        f'api-issuer = "{ISSUER}"\napi-url = "{server.url}"\n'
        f's3-endpoint = "{server.url}/{{bucket}}"\npoll-interval = 5')
    (project_dir / "pyproject.toml").write_text(text)
    monkeypatch.setattr(RestNotarizer, "sleep", staticmethod(lambda seconds: None))
    return project_dir


def test_jwt_is_es256_for_app_store_connect_and_short_lived(api_key: ec.EllipticCurvePrivateKey,
                                                             server: NotaryServer) -> None:
    token = make_jwt(api_key, key_id=KEY_ID, issuer=ISSUER, now=1_800_000_000, lifetime=3600)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims == {"iss": ISSUER, "iat": 1_800_000_000, "exp": 1_800_001_200,
                      "aud": "appstoreconnect-v1"}
    assert check_jwt(server.state, f"Bearer {token}") == ""


def test_accepted_submission(rest_project: Path, server: NotaryServer, stage_ctx: StageFactory) -> None:
    ctx: StageContext = stage_ctx({})
    add_sidecar(ctx.out_dir, signed=True)
    done = run_notarize(ctx)
    assert done[0].notarized and not done[0].stapled
    (submission,) = server.state.submissions.values()
    assert submission.uploaded and submission.name == "rapid-mlx-sidecar.tar.gz.zip"
    methods = [m for m, _ in server.state.requests]
    assert methods == ["POST", "PUT", "GET", "GET"]  # one "In Progress" poll, then the verdict
    assert Manifest.load(ctx.out_dir).artifacts[0].notarized
    assert not list(ctx.out_dir.glob("*.notary.json"))


def test_rejected_submission_surfaces_issues(rest_project: Path, server: NotaryServer,
                                             stage_ctx: StageFactory) -> None:
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir, name="MLXR-reject.dmg")
    with pytest.raises(NotarizationError) as info:
        run_notarize(ctx)
    assert "Invalid" in str(info.value)
    assert "Contents/MacOS/MLXR [arm64]: The executable does not have the hardened runtime" in str(info.value)
    log = json.loads((ctx.out_dir / "MLXR-reject.dmg.notary-log.json").read_text())
    assert log["issues"] == ISSUES
    assert server.state.requests[-1][1].startswith("/developer-log/")


def test_wait_timeout_then_resume(rest_project: Path, server: NotaryServer, stage_ctx: StageFactory,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count(step=10)
    monkeypatch.setattr(RestNotarizer, "clock", staticmethod(lambda: float(next(ticks))))
    text = (rest_project / "pyproject.toml").read_text().replace("timeout = 600", "timeout = 12")
    (rest_project / "pyproject.toml").write_text(text)
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    with pytest.raises(NotarizationError, match="still in progress"):
        run_notarize(ctx)
    pending = json.loads((ctx.out_dir / "MLXR-0.7.3.dmg.notary.json").read_text())
    assert pending["notarizer"] == "rest" and pending["id"] in server.state.submissions
    monkeypatch.setattr(RestNotarizer, "clock", staticmethod(lambda: 0.0))
    # Stapling needs Xcode's stapler (tested with the fakes elsewhere): off for this Linux run.
    text = (rest_project / "pyproject.toml").read_text()
    (rest_project / "pyproject.toml").write_text(text.replace("timeout = 12", "timeout = 12\nstaple = false"))
    done = run_notarize(stage_ctx({}, resume=True))
    assert done[0].notarized and len(server.state.submissions) == 1
    assert [m for m, _ in server.state.requests].count("POST") == 1


def test_wrong_key_is_a_credentials_error(rest_project: Path, server: NotaryServer,
                                          stage_ctx: StageFactory) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (rest_project / "AuthKey.p8").write_bytes(other)
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    with pytest.raises(CredentialsError, match=f"refused the API key {KEY_ID}"):
        run_notarize(ctx)


def test_a_key_that_is_not_p256_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from shipyard.errors import ConfigError

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "AuthKey.p8"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    with pytest.raises(ConfigError, match="not an ES256"):
        load_p8(path)


def test_5xx_and_dropped_connections_are_retried_with_visible_backoff(
        rest_project: Path, server: NotaryServer, stage_ctx: StageFactory,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    waits: list[float] = []
    monkeypatch.setattr(RestNotarizer, "sleep", staticmethod(waits.append))
    server.state.outages = {"POST": [503], "PUT": [0, 502], "GET": [500]}
    ctx = stage_ctx({})
    add_sidecar(ctx.out_dir, signed=True)
    done = run_notarize(ctx)
    assert done[0].notarized
    (submission,) = server.state.submissions.values()
    assert submission.uploaded  # the upload stream was made afresh for the third attempt
    err = capsys.readouterr().err
    assert err.count("notary service: retry ") == 4
    assert "retry 1/4 in 2s: POST" in err and "HTTP 503" in err and "retry 2/4 in 4s" in err
    assert [w for w in waits if w != 5] == [2.0, 2.0, 4.0, 2.0]  # poll-interval sleeps are 5


def test_a_lasting_outage_gives_up_after_bounded_retries_and_says_how_to_resume(
        rest_project: Path, server: NotaryServer, stage_ctx: StageFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(RestNotarizer, "sleep", staticmethod(waits.append))
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    server.state.outages = {"GET": [503] * 50}
    with pytest.raises(NotarizationError) as info:
        run_notarize(ctx)
    assert "gave up after 5 attempts" in str(info.value) and "--resume" in str(info.value)
    assert [w for w in waits if w != 5] == [2.0, 4.0, 8.0, 16.0]
    pending = json.loads((ctx.out_dir / "MLXR-0.7.3.dmg.notary.json").read_text())
    server.state.outages = {}
    monkeypatch.setattr(RestNotarizer, "sleep", staticmethod(lambda seconds: None))
    text = (rest_project / "pyproject.toml").read_text()
    (rest_project / "pyproject.toml").write_text(text.replace("timeout = 600", "timeout = 600\nstaple = false"))
    done = run_notarize(stage_ctx({}, resume=True))
    assert done[0].notarized and list(server.state.submissions) == [pending["id"]]


@pytest.mark.parametrize("encoding", ["pem", "base64", "path"])
def test_the_key_can_arrive_as_a_secret_instead_of_a_file(
        rest_project: Path, server: NotaryServer, stage_ctx: StageFactory, encoding: str,
        tmp_path: Path) -> None:
    pem = (rest_project / "AuthKey.p8").read_bytes()
    (rest_project / "AuthKey.p8").unlink()
    text = (rest_project / "pyproject.toml").read_text().replace('api-key = "AuthKey.p8"\n', "")
    (rest_project / "pyproject.toml").write_text(text)
    elsewhere = tmp_path / "secrets" / "AuthKey_ABC.p8"  # as other release tools take it
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(pem)
    secret = {"pem": pem.decode(), "base64": base64.b64encode(pem).decode(),
              "path": str(elsewhere)}[encoding]
    ctx = stage_ctx({"APPLE_API_KEY": secret})
    add_sidecar(ctx.out_dir, signed=True)
    done = run_notarize(ctx)
    assert done[0].notarized and len(server.state.submissions) == 1


def test_a_malformed_key_secret_is_refused_without_showing_it(
        rest_project: Path, stage_ctx: StageFactory) -> None:
    text = (rest_project / "pyproject.toml").read_text().replace('api-key = "AuthKey.p8"\n', "")
    (rest_project / "pyproject.toml").write_text(text)
    ctx = stage_ctx({"APPLE_API_KEY": "not-a-key-but-secret-text"})
    add_sidecar(ctx.out_dir, signed=True)
    with pytest.raises(CredentialsError) as refused:
        run_notarize(ctx)
    assert "APPLE_API_KEY" in refused.value.message
    assert "secret-text" not in f"{refused.value.message} {refused.value.hint}"


# ------------------------------------------------------------------------------ staple off macOS
@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """No Xcode stapler; every staple call and pause recorded instead of made."""
    seen: dict[str, list[Any]] = {"stapled": [], "pauses": [], "failures": []}
    monkeypatch.setattr(Stapler, "which", lambda self: None)

    def fake_staple(path: Path) -> None:
        if seen["failures"]:
            raise RuntimeError(seen["failures"].pop(0))
        seen["stapled"].append(path.name)
        if path.is_dir():  # where rcodesign puts an app's ticket
            (path / "Contents" / "CodeResources").write_bytes(b"ticket")

    monkeypatch.setattr(staple, "apple_staple", fake_staple)
    monkeypatch.setattr(staple, "pause", seen["pauses"].append)
    return seen


def add_app_and_installers(out_dir: Path) -> None:
    """Recorded out of order on purpose: the stage sorts apps before their containers."""
    app = out_dir / "Demo.app"
    (app / "Contents").mkdir(parents=True)
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps({"CFBundleExecutable": "Demo"}))
    for name, kind in (("Demo-0.7.3.zip", "zip"), ("Demo-0.7.3.pkg", "pkg")):
        (out_dir / name).write_bytes(b"PK\5\6" + bytes(18) if kind == "zip" else b"xar!")
        record_artifact(out_dir, Artifact.from_file(out_dir / name, out_dir, kind=kind,
                                                    signed=True, stage=kind))
    add_dmg(out_dir, name="Demo-0.7.3.dmg")
    digest, size = tree_sha256(app)
    record_artifact(out_dir, Artifact(name=app.name, path=app.name, kind="app", sha256=digest,
                                      size=size, signed=True, stage="app",
                                      extra={"sha256_of": "tree"}))


def test_linux_notarize_staples_app_dmg_pkg_in_order_and_not_the_zip(
        rest_project: Path, server: NotaryServer, stage_ctx: StageFactory,
        offline: dict[str, list[Any]], capsys: pytest.CaptureFixture[str]) -> None:
    ctx = stage_ctx({})
    add_app_and_installers(ctx.out_dir)
    done = run_notarize(ctx)
    # the manifest lists Demo.app last (by name); the app goes first, the zip last
    assert [a.name for a in done] == ["Demo.app", "Demo-0.7.3.dmg", "Demo-0.7.3.pkg",
                                      "Demo-0.7.3.zip"]
    submitted = [s.name for s in server.state.submissions.values()]
    assert submitted == ["Demo.app.zip", "Demo-0.7.3.dmg", "Demo-0.7.3.pkg", "Demo-0.7.3.zip"]
    assert offline["stapled"] == ["Demo.app", "Demo-0.7.3.dmg", "Demo-0.7.3.pkg"]
    recorded = {a.name: a for a in Manifest.load(ctx.out_dir).artifacts}
    assert recorded["Demo.app"].sha256 == tree_sha256(ctx.out_dir / "Demo.app")[0]  # the ticket
    stapled = {name: a.stapled for name, a in recorded.items()}
    assert stapled == {"Demo.app": True, "Demo-0.7.3.pkg": True, "Demo-0.7.3.dmg": True,
                       "Demo-0.7.3.zip": False}
    err = capsys.readouterr().err
    assert "Demo-0.7.3.zip cannot be stapled: a zip has nowhere to hold a ticket" in err
    assert "staple the app, then zip it" in err and offline["pauses"] == []


def test_a_lagging_ticket_lookup_is_retried_with_growing_pauses(
        rest_project: Path, server: NotaryServer, stage_ctx: StageFactory,
        offline: dict[str, list[Any]]) -> None:
    offline["failures"] = ["record not found", "record not found"]
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    (done,) = run_notarize(ctx)
    assert done.stapled and offline["stapled"] == ["MLXR-0.7.3.dmg"]
    assert offline["pauses"] == [5.0, 10.0]


def test_a_staple_failing_every_attempt_names_the_file_and_submission(
        rest_project: Path, server: NotaryServer, stage_ctx: StageFactory,
        offline: dict[str, list[Any]]) -> None:
    text = (rest_project / "pyproject.toml").read_text()
    (rest_project / "pyproject.toml").write_text(
        text.replace("timeout = 600", "timeout = 600\nstaple-attempts = 3"))
    offline["failures"] = ["record not found"] * 5
    ctx = stage_ctx({})
    add_dmg(ctx.out_dir)
    with pytest.raises(CommandError) as info:
        run_notarize(ctx)
    (submission,) = server.state.submissions
    assert f"stapling MLXR-0.7.3.dmg (submission {submission}) failed after 3 attempts" in \
        str(info.value)
    assert "record not found" in str(info.value) and info.value.exit_code == 6
    assert offline["pauses"] == [5.0, 10.0] and offline["stapled"] == []
    assert not Manifest.load(ctx.out_dir).artifacts[0].notarized  # not recorded half-done


def test_a_zip_is_refused_with_the_reason() -> None:
    calls: list[Path] = []
    with pytest.raises(NotarizationError, match="a zip has nowhere to hold a ticket") as info:
        staple.staple_with_retries(Path("Demo.zip"), submission="s", attempts=3,
                                   staple=calls.append, sleep=lambda s: None)
    assert "staple the app, then zip it" in (info.value.hint or "") and calls == []
