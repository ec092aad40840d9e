"""Both SBOM documents of a small bundle, checked by the libraries' own validators."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from shipyard.sbom import make_sboms
from tests.sbom.conftest import RUNTIME, Bundle, by_name, load


def cyclonedx_errors(text: str) -> object:
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)


def spdx_errors(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "check.spdx.json"
    path.write_text(text)
    return [m.validation_message for m in validate_full_spdx_document(parse_file(str(path)))]


def test_both_documents_pass_their_validators(bundle: Bundle, tmp_path: Path) -> None:
    docs = make_sboms(bundle.root, bundle.context)
    assert cyclonedx_errors(docs.cyclonedx) is None
    assert spdx_errors(docs.spdx, tmp_path) == []
    cdx, spdx = load(docs.cyclonedx), load(docs.spdx)
    assert cdx["specVersion"] == "1.6" and cdx["bomFormat"] == "CycloneDX"
    assert spdx["spdxVersion"] == "SPDX-2.3"


def test_a_corrupted_field_fails_each_validator(bundle: Bundle, tmp_path: Path) -> None:
    docs = make_sboms(bundle.root, bundle.context)
    cdx = load(docs.cyclonedx)
    by_name(cdx)["mlx"]["hashes"][0]["content"] = "not-a-sha256"
    assert cyclonedx_errors(json.dumps(cdx)) is not None
    spdx = load(docs.spdx)
    by_name(spdx, "packages")["mlx"]["checksums"][0]["checksumValue"] = "not-a-sha256"
    errors = spdx_errors(json.dumps(spdx), tmp_path)
    assert errors and any("not-a-sha256" in e for e in errors)


def test_runtime_distributions_metallib_and_tool_are_listed(bundle: Bundle) -> None:
    cdx = load(make_sboms(bundle.root, bundle.context).cyclonedx)
    components = by_name(cdx)
    runtime = components["python-build-standalone"]
    assert runtime["version"] == "3.12.13" and runtime["hashes"][0]["content"] == RUNTIME.sha256
    assert runtime["externalReferences"][0]["url"] == RUNTIME.url
    assert {"name": "shipyard:pbs-tag", "value": "20260610"} in runtime["properties"]
    assert components["mlx"]["purl"] == "pkg:pypi/mlx@0.32.4"
    assert components["mlx-metal"]["purl"] == "pkg:pypi/mlx-metal@0.32.4"
    assert components["mlx"]["licenses"] == [{"expression": "MIT"}]
    assert components["mlx-metal"]["licenses"] == [{"expression": "MIT"}]  # canonical case
    metallib = components["site-packages/mlx/lib/mlx.metallib"]
    assert {"name": "shipyard:metal-functions", "value": "2"} in metallib["properties"]
    digest = __import__("hashlib").sha256(
        (bundle.root / "site-packages/mlx/lib/mlx.metallib").read_bytes()).hexdigest()
    assert metallib["hashes"] == [{"alg": "SHA-256", "content": digest}]
    (tool,) = cdx["metadata"]["tools"]["components"]
    assert tool["name"] == "shipyard" and tool["version"] == __import__("shipyard").__version__
    subject = cdx["metadata"]["component"]
    assert subject["name"] == bundle.context.artifact
    assert subject["hashes"][0]["content"] == bundle.context.artifact_sha256
    (root,) = [d for d in cdx["dependencies"] if d["ref"] == "artifact"]
    assert len(root["dependsOn"]) == len(components)


def test_wheel_hashes_come_from_real_sources_or_are_said_to_be_unknown(bundle: Bundle,
                                                                       tmp_path: Path) -> None:
    docs = make_sboms(bundle.root, bundle.context)
    components = by_name(load(docs.cyclonedx))
    local = __import__("hashlib").sha256(bundle.local_wheel.read_bytes()).hexdigest()
    assert components["tool"]["hashes"] == [{"alg": "SHA-256", "content": local}]
    assert components["mlx"]["hashes"] == [{"alg": "SHA-256", "content": bundle.uv_sha256}]
    assert {"name": "shipyard:wheel-sha256-source", "value": "uv cache"} in \
        components["mlx"]["properties"]
    # mlx-metal has no cache entry: no hash, and the document says why.
    assert "hashes" not in components["mlx-metal"]
    reason = {p["name"]: p["value"] for p in components["mlx-metal"]["properties"]}
    assert reason["shipyard:wheel-sha256"].startswith("not known")
    packages = by_name(load(docs.spdx), "packages")
    assert "checksums" not in packages["mlx-metal"]
    assert packages["mlx-metal"]["comment"].startswith("wheel sha256 not known")
    assert packages["mlx"]["checksums"] == [{"algorithm": "SHA256",
                                             "checksumValue": bundle.uv_sha256}]
    assert packages["mlx"]["downloadLocation"].endswith("mlx-0.32.4-cp312-cp312-macosx_14_0_arm64.whl")


def test_a_cache_entry_for_another_wheel_is_not_used(bundle: Bundle) -> None:
    from tests.sbom.conftest import uv_entry

    cache = bundle.context.wheel_hashes.uv_cache
    assert cache is not None
    # Same name and version, but the entry names a different wheel (other tags): no hash.
    uv_entry(cache, "mlx-metal", "0.32.4", "py3-none-macosx_14_0_arm64",
             "mlx_metal-0.32.4-py3-none-macosx_15_0_arm64.whl", "ef" * 32)
    components = by_name(load(make_sboms(bundle.root, bundle.context).cyclonedx))
    assert "hashes" not in components["mlx-metal"]


def test_free_text_license_is_kept_as_text_not_passed_off_as_spdx(bundle: Bundle) -> None:
    docs = make_sboms(bundle.root, bundle.context)
    odd = by_name(load(docs.cyclonedx))["oddly-licensed"]
    assert odd["licenses"] == [{"license": {"name": "Permission is granted to use this for "
                                                    "anything, see LICENSE"}}]
    package = by_name(load(docs.spdx), "packages")["oddly-licensed"]
    assert package["licenseDeclared"] == "NOASSERTION"
    assert "not an SPDX expression" in package["licenseComments"]


def test_same_inputs_give_the_same_bytes_and_changes_show(bundle: Bundle) -> None:
    first, again = make_sboms(bundle.root, bundle.context), make_sboms(bundle.root, bundle.context)
    assert (first.cyclonedx, first.spdx) == (again.cyclonedx, again.spdx)
    cdx = load(first.cyclonedx)
    assert cdx["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")  # SOURCE_DATE_EPOCH
    assert load(first.spdx)["creationInfo"]["created"] == "2023-11-14T22:13:20Z"
    later = make_sboms(bundle.root, dataclasses.replace(bundle.context, epoch=1_800_000_000))
    assert load(later.cyclonedx)["metadata"]["timestamp"] != cdx["metadata"]["timestamp"]
    (bundle.root / "site-packages" / "tool-1.0.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.4\nName: tool\nVersion: 1.0.1\n")
    changed = make_sboms(bundle.root, bundle.context)
    assert load(changed.cyclonedx)["serialNumber"] != cdx["serialNumber"]
    assert load(changed.spdx)["documentNamespace"] != load(first.spdx)["documentNamespace"]


def test_write_puts_both_files_beside_the_artifact(bundle: Bundle, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    cdx, spdx = make_sboms(bundle.root, bundle.context).write(out, bundle.context.artifact)
    assert cdx.name == f"{bundle.context.artifact}.cdx.json"
    assert spdx.name == f"{bundle.context.artifact}.spdx.json"
    assert sorted(p.name for p in out.iterdir()) == sorted([cdx.name, spdx.name])  # no temp files


def test_odd_metadata_still_gives_valid_documents(tmp_path: Path) -> None:
    from shipyard.sbom import SbomContext
    from tests.sbom.conftest import dist_info

    site = tmp_path / "b" / "site-packages"
    dist_info(site, "zope.interface", "7.1+local.2", "cp312-cp312-linux_x86_64",
              "Home-page: UNKNOWN", "License: UNKNOWN", "Summary: ")
    dist_info(site, "Weird_Name", "1!2.0.post1", "py2.py3-none-any",
              "License-Expression: Not An Expression (really)",
              "Project-URL: Source, not a url at all", "Home-page: https://exa mple.org/x y")
    dist_info(site, "classic", "0.1", "py3-none-any",
              "Classifier: License :: OSI Approved :: BSD License")
    (site / "noversion-0.dist-info").mkdir()
    (site / "noversion-0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: noversion\n")
    docs = make_sboms(tmp_path / "b", SbomContext(artifact="My Odd App 1.0.zip"))
    assert cyclonedx_errors(docs.cyclonedx) is None
    assert spdx_errors(docs.spdx, tmp_path) == []
    components = by_name(load(docs.cyclonedx))
    assert components["zope.interface"]["purl"] == "pkg:pypi/zope-interface@7.1%2Blocal.2"
    assert "externalReferences" not in components["zope.interface"]  # UNKNOWN is no URL
    assert components["classic"]["licenses"] == [{"license": {"name": "BSD License"}}]
    assert "version" not in components["noversion"]


def test_a_private_or_loopback_download_url_keeps_the_spdx_document_valid(
        bundle: Bundle, tmp_path: Path) -> None:
    """SPDX wants a public host in a download location; a mirror on a bare IP is not one."""
    mirror = "http://127.0.0.1:8080/20260610/cpython-3.12.13.tar.gz"
    context = dataclasses.replace(bundle.context,
                                  runtime=dataclasses.replace(RUNTIME, url=mirror))
    docs = make_sboms(bundle.root, context)
    assert spdx_errors(docs.spdx, tmp_path) == []
    assert cyclonedx_errors(docs.cyclonedx) is None
    spdx_runtime = by_name(load(docs.spdx), "packages")["python-build-standalone"]
    assert spdx_runtime["downloadLocation"] == "NOASSERTION"
    cdx_runtime = by_name(load(docs.cyclonedx))["python-build-standalone"]
    assert cdx_runtime["externalReferences"][0]["url"] == mirror  # still recorded there
