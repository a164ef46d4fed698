"""Expected user errors: one exception type the CLI turns into a message and an exit code."""

from __future__ import annotations

from pathlib import Path


class WorkbenchError(Exception):
    """A failure the user can fix (bad file, bad mapping, bad rubric): no traceback is shown.

    The message names the file and, where it applies, the row and column. ``exit_code`` is what
    the CLI exits with: 2 for "cannot be read at all / invalid", 1 for "read, but has errors".
    """

    exit_code: int = 2

    def __init__(self, message: str, *, path: str | Path | None = None,
                 exit_code: int | None = None):
        self.path = Path(path) if path is not None else None
        self.message = f"{self.path}: {message}" if self.path is not None else message
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.message)


class InputFileError(WorkbenchError):
    """A file that is missing, unreadable, or not of the expected kind."""


class ValidationFailed(WorkbenchError):
    """A file that was read but failed validation; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list[str], *, path: str | Path | None = None,
                 exit_code: int = 2):
        self.problems = list(problems)
        super().__init__(message, path=path, exit_code=exit_code)

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {p}" for p in self.problems)])


class ConflictError(WorkbenchError):
    """Another user saved the same thing first: nothing was overwritten."""

    exit_code = 3
