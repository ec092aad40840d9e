"""The temporary CI keychain (always deleted) and the secret gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.errors import CommandError, CredentialsError
from shipyard.signing.keychain import SigningCredentials, signing_credentials, signing_keychain
from shipyard.tools.runner import Runner
from shipyard.tools.security import Security
from tests.signing.conftest import IDENTITY, P12, FakeTools

LOGIN = "/Users/runner/Library/Keychains/login.keychain-db"


def creds(p12: P12) -> SigningCredentials:
    return SigningCredentials(IDENTITY, p12.base64, p12.password)


def search_list(fakes: FakeTools) -> list[str]:
    path = Path(str(fakes.log) + ".search-list")
    return json.loads(path.read_text()) if path.exists() else [LOGIN]


def assert_cleaned(fakes: FakeTools, keychain: str) -> None:
    assert not Path(keychain).exists()
    assert not Path(keychain).parent.exists(), "the decoded .p12 and its folder must be gone"
    assert fakes.calls("security")[-1] == ["delete-keychain", keychain]
    assert search_list(fakes) == [LOGIN]


def test_keychain_is_created_used_and_deleted(fake_tools: FakeTools, p12_certificate: P12) -> None:
    security = Security(Runner(echo=False))
    with signing_keychain(security, creds(p12_certificate)) as keychain:
        assert Path(keychain).exists()
        assert search_list(fake_tools)[0] == keychain
        assert IDENTITY in security.find_codesigning_identities(keychain)
        p12_files = list(Path(keychain).parent.glob("*.p12"))
        assert len(p12_files) == 1 and p12_files[0].stat().st_mode & 0o077 == 0
    assert [argv[0] for argv in fake_tools.calls("security")] == [
        "create-keychain", "set-keychain-settings", "unlock-keychain", "import",
        "set-key-partition-list", "list-keychains", "list-keychains", "find-identity",
        "list-keychains", "delete-keychain"]
    assert_cleaned(fake_tools, keychain)


def test_keychain_deleted_after_an_injected_failure(fake_tools: FakeTools, p12_certificate: P12) -> None:
    fake_tools.script(security={"fail": {"set-key-partition-list": "SecItemCopyMatching: failed"}})
    with pytest.raises(CommandError, match="set-key-partition-list"):
        with signing_keychain(Security(Runner(echo=False)), creds(p12_certificate)):
            raise AssertionError("not reached")
    created = fake_tools.calls("security")[0][-1]
    assert_cleaned(fake_tools, created)


def test_keychain_deleted_when_signing_fails(fake_tools: FakeTools, p12_certificate: P12) -> None:
    with pytest.raises(RuntimeError):
        with signing_keychain(Security(Runner(echo=False)), creds(p12_certificate)) as keychain:
            raise RuntimeError("codesign blew up")
    assert_cleaned(fake_tools, keychain)


def test_keychain_deleted_on_ctrl_c(fake_tools: FakeTools, p12_certificate: P12) -> None:
    with pytest.raises(KeyboardInterrupt):
        with signing_keychain(Security(Runner(echo=False)), creds(p12_certificate)) as keychain:
            raise KeyboardInterrupt
    assert_cleaned(fake_tools, keychain)


def test_wrong_p12_password_fails_and_cleans_up(fake_tools: FakeTools, p12_certificate: P12) -> None:
    wrong = SigningCredentials(IDENTITY, p12_certificate.base64, "CANARY-wrong-password")
    with pytest.raises(CommandError) as info:
        with signing_keychain(Security(Runner(echo=False)), wrong):
            pass
    assert "CANARY-wrong-password" not in str(info.value)
    assert "MAC verification failed" in str(info.value)
    assert_cleaned(fake_tools, fake_tools.calls("security")[0][-1])


def test_bad_base64_names_the_variable_not_the_value(fake_tools: FakeTools) -> None:
    bad = SigningCredentials(IDENTITY, "CANARY-not-base64!!", "pw-CANARY")
    with pytest.raises(CredentialsError) as info:
        with signing_keychain(Security(Runner(echo=False)), bad):
            pass
    assert "APPLE_SIGNING_CERTIFICATE" in str(info.value) and "CANARY" not in str(info.value)


def test_without_a_p12_the_configured_keychain_is_used(fake_tools: FakeTools) -> None:
    with signing_keychain(Security(Runner()), SigningCredentials(IDENTITY, keychain="kc")) as kc:
        assert kc == "kc"
    assert fake_tools.calls() == []


# ------------------------------------------------------------------------------ secret gate
def test_no_identity_skips_loudly(capsys: pytest.CaptureFixture[str]) -> None:
    assert signing_credentials("", {}) is None
    err = capsys.readouterr().err
    assert "!!" in err and "code signing SKIPPED" in err and "unsigned" in err


def test_ci_without_certificate_skips(capsys: pytest.CaptureFixture[str]) -> None:
    assert signing_credentials(IDENTITY, {"CI": "true"}) is None
    assert "APPLE_SIGNING_CERTIFICATE" in capsys.readouterr().err


def test_local_identity_signs_from_existing_keychains() -> None:
    found = signing_credentials(IDENTITY, {})
    assert found is not None and not found.needs_keychain


def test_half_configured_secrets_are_an_error() -> None:
    with pytest.raises(CredentialsError, match="APPLE_SIGNING_PASSWORD is not set"):
        signing_credentials(IDENTITY, {"APPLE_SIGNING_CERTIFICATE": "abcd"})


def test_credentials_repr_hides_secrets(p12_certificate: P12) -> None:
    text = repr(creds(p12_certificate))
    assert p12_certificate.password not in text and p12_certificate.base64[:20] not in text


@pytest.mark.parametrize("password", ["-leading-dash-CANARY", "plain-CANARY"])
def test_any_generated_keychain_password_works(
    fake_tools: FakeTools, p12_certificate: P12, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    """token_urlsafe starts with "-" about once in 64 runs; security takes it as -p's argument."""
    monkeypatch.setattr("shipyard.signing.keychain.secrets.token_urlsafe", lambda n: password)
    with signing_keychain(Security(Runner(echo=False)), creds(p12_certificate)) as keychain:
        assert Path(keychain).exists()
    assert_cleaned(fake_tools, keychain)


def test_security_fake_still_refuses_an_option_where_an_operand_belongs(fake_tools: FakeTools) -> None:
    with pytest.raises(CommandError, match="expected an operand, got option --bogus"):
        Security(Runner(echo=False)).run(["create-keychain", "-p", "pw", "--bogus"])
