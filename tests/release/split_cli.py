"""``python -m tests.release.split_cli ARGS``: the shipyard CLI with the split tests' fake
stages and only the built-in plugins, in its own process (as one CI runner would run it)."""

from __future__ import annotations

import sys

from shipyard import cli, stages
from shipyard.plugins.manager import PluginSet, make_manager
from tests.release.stages_split import STAGES

if __name__ == "__main__":
    stages.STAGES.update(STAGES)
    import shipyard.cli.context

    shipyard.cli.context.plugins = lambda: PluginSet(make_manager(entry_points=False))
    sys.exit(cli.main(sys.argv[1:]))
