"""`python -m bottlec`."""

from bottlec.cli import main

raise SystemExit(main())
