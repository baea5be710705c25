from biofm.cli import main

raise SystemExit(main())
