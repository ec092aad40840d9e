from __future__ import annotations

import pytest

from shipyard.config.model import ReleaseConfig, ReleaseFamily
from shipyard.errors import ConfigError, ReleaseRefusedError
from shipyard.release.tags import resolve_tag

CONFIG = ReleaseConfig(families={
    "sidecar": ReleaseFamily(tag="sidecar-v{version}", build=["sidecar"]),
    "app": ReleaseFamily(tag="v{version}"),
    "nightly": ReleaseFamily(tag="nightly-{version}", version_from="none"),
})


def test_tag_resolves_family_version_and_stable_channel() -> None:
    tag = resolve_tag("sidecar-v0.7.3", CONFIG, "0.7.3")
    assert (tag.family_name, tag.version, tag.core, tag.channel) == ("sidecar", "0.7.3", "0.7.3", "stable")
    assert not tag.is_prerelease


@pytest.mark.parametrize(("text", "project", "channel"), [
    ("v1.3.0-beta.2", "1.3.0b2", "beta"),
    ("v1.3.0-rc.1", "1.3.0rc1", "beta"),
    ("v1.3.0-alpha.1", "1.3.0-alpha.1", "nightly"),
])
def test_prerelease_maps_to_channel_and_matches_pep440(text: str, project: str, channel: str) -> None:
    tag = resolve_tag(text, CONFIG, project)
    assert tag.family_name == "app" and tag.channel == channel and tag.is_prerelease


def test_tag_matching_no_family_names_the_patterns() -> None:
    with pytest.raises(ReleaseRefusedError, match=r"'kernels-1\.0' matches no release family.*sidecar-v\{version\}"):
        resolve_tag("kernels-1.0", CONFIG, "1.0.0")


def test_version_mismatch_names_tag_family_and_both_versions() -> None:
    with pytest.raises(ReleaseRefusedError) as info:
        resolve_tag("sidecar-v0.7.4", CONFIG, "0.7.3")
    assert "sidecar-v0.7.4" in str(info.value) and "'sidecar'" in str(info.value)
    assert "0.7.4" in str(info.value) and "0.7.3" in str(info.value)
    assert info.value.exit_code == 12


@pytest.mark.parametrize("text", ["v1.2", "v01.2.3", "v1.2.3-", "v1.2.3.4", "vlatest"])
def test_non_semver_versions_are_refused(text: str) -> None:
    with pytest.raises(ReleaseRefusedError, match="not a SemVer version"):
        resolve_tag(text, CONFIG, "1.2.3")


def test_version_from_none_skips_the_project_check() -> None:
    assert resolve_tag("nightly-2.0.0-nightly.20260101", CONFIG, "0.7.3").channel == "nightly"


def test_unknown_prerelease_label_is_refused() -> None:
    with pytest.raises(ReleaseRefusedError, match="'preview' maps to no channel"):
        resolve_tag("v1.0.0-preview.1", CONFIG, "1.0.0-preview.1")


def test_pattern_without_version_placeholder_is_a_config_error() -> None:
    bad = ReleaseConfig(families={"x": ReleaseFamily(tag="release")})
    with pytest.raises(ConfigError, match="families.x.tag must contain"):
        resolve_tag("release", bad, "1.0.0")
