from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shipyard.errors import CredentialsError, PublishConflictError
from shipyard.manifest import Artifact
from shipyard.release.publishers.pypi import PyPIOptions, PyPIPublisher, project_of
from tests.publishers.support import context
from tests.services.registries import pypiserver


def make_wheel(dist: Path, version: str, body: str) -> Artifact:
    name = f"shipyard_demo_pkg-{version}-py3-none-any.whl"
    info = f"shipyard_demo_pkg-{version}.dist-info"
    files = {
        "shipyard_demo_pkg/__init__.py": f"VALUE = {body!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: shipyard-demo-pkg\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    dist.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dist / name, "w") as archive:
        for path, text in files.items():
            archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return Artifact.from_file(dist / name, dist, kind="wheel")


def test_project_names_are_normalised() -> None:
    assert project_of("Shipyard_Demo.pkg-1.0-py3-none-any.whl") == "shipyard-demo-pkg"
    assert project_of("shipyard-demo-1.0.tar.gz") == "shipyard-demo"


def test_missing_token_is_a_credentials_error_and_a_plan_line(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "dist", "0.7.3", "x")
    with pytest.raises(CredentialsError, match="PYPI_TOKEN is not set"):
        PyPIPublisher().check(context(tmp_path, PyPIOptions(), [wheel]))
    lines = PyPIPublisher().check(context(tmp_path, PyPIOptions(), [wheel], dry_run=True))
    assert "needs PYPI_TOKEN (not set)" in lines


@pytest.mark.integration
def test_upload_to_pypiserver_then_pip_install(tmp_path: Path) -> None:
    with pypiserver(tmp_path / "server") as url:
        options = PyPIOptions(repository_url=url, index_url=f"{url}simple/")
        wheel = make_wheel(tmp_path / "dist", "0.7.3", "from the index")
        ctx = context(tmp_path, options, [wheel], env={"PYPI_TOKEN": "pypi-secret-token"})
        publisher = PyPIPublisher()
        publisher.check(ctx)
        assert not publisher.is_published(ctx, wheel)
        publisher.publish(ctx, [wheel])
        assert publisher.is_published(ctx, wheel)
        assert all("pypi-secret-token" not in line for line in ctx.runner.history)  # type: ignore[union-attr]

        target = tmp_path / "site"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--index-url", f"{url}simple/", "--target", str(target),
                        "shipyard-demo-pkg==0.7.3"], check=True)
        out = subprocess.run([sys.executable, "-c", "import shipyard_demo_pkg as m; print(m.VALUE)"],
                             env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "from the index"

        rebuilt = make_wheel(tmp_path / "dist2", "0.7.3", "different bytes")
        with pytest.raises(PublishConflictError, match="already on"):
            publisher.is_published(context(tmp_path, options, [rebuilt]), rebuilt)
