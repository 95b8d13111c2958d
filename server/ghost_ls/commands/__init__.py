"""The command-line subcommands other than ``serve``: complete, models, doctor.

``cli.py`` parses the command line and imports the subcommand it runs; the subcommands
never import ``cli`` (what they share lives here), so imports run one way.
"""

from __future__ import annotations

import json


def print_json(value: object) -> None:
    """A command's answer on stdout, as indented JSON (``--json``)."""
    print(json.dumps(value, indent=2, ensure_ascii=False))
