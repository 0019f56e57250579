"""Configuration errors that a planner can act on.

Every problem names the file, the key path, the bad value and what is allowed, on one line, so
that `specsim validate` can print a list a user can fix without reading a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one file at one key path."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """Raised when a scenario (or sweep) file cannot be loaded or fails validation."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @classmethod
    def single(cls, file: str, path: str, message: str) -> ConfigError:
        return cls([ConfigIssue(file, path, message)])
