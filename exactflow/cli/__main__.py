"""``python -m exactflow.cli`` runs the command line (as ``python -m exactflow``)."""

from . import main

raise SystemExit(main())
