"""Exit codes shared by every command, so command modules need not import the CLI entry point."""

EXIT_OK = 0
"""Success (validation: the graph or entry conforms; reasoning: consistent)."""
EXIT_CHECK_FAILED = 1
"""A check failed: SHACL violations, an inconsistent ontology."""
EXIT_BAD_INPUT = 2
"""Input the command cannot use: unknown entity or parameter, unreadable file, unknown format, no Java."""
EXIT_INTERNAL = 3
"""A bug: an unexpected exception."""


class UserError(Exception):
    """Base of every error the user can fix (bad input, an unknown name, an unusable folder): the CLI
    prints its message and exits EXIT_BAD_INPUT. Anything else that escapes a command is a bug
    (EXIT_INTERNAL), even a ValueError."""
