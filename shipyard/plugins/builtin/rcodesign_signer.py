"""Built-in signer ``rcodesign``: inside-out signing on any host with apple-platform-py."""

from __future__ import annotations

import importlib.util

from shipyard import ui
from shipyard.plugins.interfaces import Signer, SignReport, SignRequest
from shipyard.plugins.specs import hookimpl
from shipyard.signing import RCODESIGN_INSTALL_HINT as INSTALL_HINT


class RcodesignSigner(Signer):
    """The codesign signer's plan, signed by the rcodesign library instead of Apple's tool.

    Ad-hoc without an identity (Apple Silicon refuses unsigned arm64 code, so a macOS bundle
    built on Linux is at least ad-hoc signed); a Developer ID from the decoded .p12 in the
    request, or from PEM files.  Every signature is read back and checked afterwards.

    Usage::

        report = RcodesignSigner(runner).sign(SignRequest(root=Path("build/rapid-mlx"),
                                                          identity="-", timestamp_url="none"))
        assert not report.verify_failures
    """

    name = "rcodesign"
    description = "apple-platform-py (rcodesign): the same inside-out plan on any host; ad-hoc without an identity"
    uses_keychain = False
    adhoc_without_identity = True

    @classmethod
    def unusable(cls) -> str:
        if importlib.util.find_spec("apple_platform") is None:
            return f"apple-platform-py is not installed ({INSTALL_HINT})"
        return ""

    def sign(self, request: SignRequest) -> SignReport:
        from shipyard.signing.entitlements import EntitlementRules
        from shipyard.signing.order import plan_signing
        from shipyard.signing.rcodesign import RcodesignEngine
        from shipyard.signing.verify import verify_path

        if request.root.is_file() and request.root.suffix == ".dmg":
            return self._sign_image(request)
        plan = plan_signing(request.root, EntitlementRules.from_pairs(request.entitlement_rules))
        kind = "ad-hoc" if request.adhoc else "with a certificate"
        ui.step(f"signing {len(plan.items)} item(s) under {request.root} {kind} in "
                f"{len(plan.groups)} group(s), inside-out (rcodesign)")
        if self.runner.dry_run:
            for item in plan.items:
                self.runner.say(f"[dry-run] rcodesign sign {item.path}")
            return SignReport(signed=[], skipped=[p for p, _ in plan.skipped])
        engine = RcodesignEngine(request, plan, secrets=sorted(self.runner.secrets))
        signed = engine.sign()
        ui.step(f"verifying signatures under {request.root}")
        report = verify_path(request.root, require_runtime=request.hardened_runtime,
                             workers=request.jobs)
        failures = [(request.root / f.path if request.root.is_dir() else request.root,
                     "; ".join(f.problems)) for f in report.failures]
        return SignReport(signed=signed, skipped=[p for p, _ in plan.skipped],
                          verify_failures=failures)

    def _sign_image(self, request: SignRequest) -> SignReport:
        from shipyard.signing.order import SignPlan
        from shipyard.signing.rcodesign import RcodesignEngine

        ui.step(f"signing the disk image {request.root.name} (rcodesign)")
        if self.runner.dry_run:
            self.runner.say(f"[dry-run] rcodesign sign {request.root}")
            return SignReport()
        engine = RcodesignEngine(request, SignPlan(request.root), secrets=sorted(self.runner.secrets))
        engine.sign_image(request.root)
        found = engine.lib.reading.find_values(engine.lib.read_signature(request.root),
                                                "code_directory")
        failures = [] if found else [(request.root, "no code signature found after signing")]
        return SignReport(signed=[request.root], verify_failures=failures)


@hookimpl
def shipyard_signers() -> list[type[Signer]]:
    return [RcodesignSigner]
