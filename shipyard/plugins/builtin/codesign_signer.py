"""Built-in signer ``codesign``: inside-out signing of a tree with macOS codesign (REFERENCE §4)."""

from __future__ import annotations

import sys

from shipyard import ui
from shipyard.plugins.interfaces import Signer, SignReport, SignRequest
from shipyard.plugins.specs import hookimpl


class CodesignSigner(Signer):
    """Signs dylibs before the executables that load them and bundles last, then verifies.

    Usage::

        signer = CodesignSigner(runner)
        report = signer.sign(SignRequest(root=Path("build/rapid-mlx"), identity="Developer ID …",
                                         entitlement_rules=[("bin/python3*", ["com.apple…allow-jit"])]))
        assert not report.verify_failures
    """

    name = "codesign"
    description = "macOS codesign: inside-out, hardened runtime, entitlements on executables only"
    requires = ("codesign",)

    @classmethod
    def unusable(cls) -> str:
        return "" if sys.platform == "darwin" else "codesign exists only on macOS"

    def sign(self, request: SignRequest) -> SignReport:
        # imported when used: `shipyard doctor` loads every plugin module
        from shipyard.signing.entitlements import EntitlementRules
        from shipyard.signing.order import plan_signing
        from shipyard.signing.tree import SignOptions, sign_plan, verify_tree
        from shipyard.tools.codesign import Codesign

        rules = EntitlementRules.from_pairs(request.entitlement_rules)
        plan = plan_signing(request.root, rules)
        options = SignOptions(identity=request.identity, keychain=request.keychain,
                              timestamp=request.timestamp,
                              hardened_runtime=request.hardened_runtime, jobs=request.jobs)
        ui.step(f"signing {len(plan.items)} item(s) under {request.root} in "
                f"{len(plan.groups)} group(s), inside-out")
        codesign = Codesign(self.runner)
        result = sign_plan(codesign, plan, options)
        ui.step(f"verifying signatures under {request.root}")
        failures = verify_tree(codesign, plan, result.signed, dry_run=self.runner.dry_run,
                               workers=options.workers)
        if sys.platform == "darwin" and not self.runner.dry_run:
            # Read every signature back as `shipyard verify` does.  Only on macOS: codesign
            # exists nowhere else, and the stand-ins tests use write no signature bytes.
            from shipyard.signing.verify import verify_path

            report = verify_path(request.root, require_runtime=request.hardened_runtime)
            root = request.root
            failures += [(root / f.path if root.is_dir() else root, "; ".join(f.problems))
                         for f in report.failures]
        return SignReport(signed=result.signed, skipped=result.skipped, verify_failures=failures)


@hookimpl
def shipyard_signers() -> list[type[Signer]]:
    return [CodesignSigner]
