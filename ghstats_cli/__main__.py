from ghstats_cli.main import main

raise SystemExit(main())
