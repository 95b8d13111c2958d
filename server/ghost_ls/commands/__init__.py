"""The command-line subcommands other than ``serve``: complete, models, doctor."""
