from shipyard_demo.cli import main

raise SystemExit(main())
