"""``python -m ghost_ls``: the same as the ``ghost-ls`` command."""

from ghost_ls.cli import main

raise SystemExit(main())
