"""The app fixtures serve the installer tests too."""

from tests.app.conftest import app_project  # noqa: F401
