"""`python -m retention_analytics COMMAND`: see cli.py."""

from .cli import main

raise SystemExit(main())
