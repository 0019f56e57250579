"""Configuration errors that a planner can act on.

Every problem names the file, the key path, the bad value and what is allowed, on one line, so
that `specsim validate` can print a list a user can fix without reading a traceback. pydantic's
errors are translated here, once, for scenario files and sweep files alike.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.config.schema import Scenario

Origins = dict[tuple[str, ...], str]
"""Which file set each key path (the loader records it while merging `extends` chains)."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one file at one key path."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        path = self.path if len(self.path) <= 120 else f"{self.path[:100]}... ({len(self.path)})"
        message = self.message if len(self.message) <= 700 else f"{self.message[:680]}..."
        where = f"{self.file}: {path}" if path else self.file
        return f"{where}: {message}".replace("\n", " ").replace("\r", " ")


class ConfigError(Exception):
    """Raised when a scenario (or sweep) file cannot be loaded or fails validation."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @classmethod
    def single(cls, file: str, path: str, message: str) -> ConfigError:
        return cls([ConfigIssue(file, path, message)])


def file_for(path: tuple[str, ...], origins: Origins, fallback: str) -> str:
    """The file that set `path` or its nearest parent, so the error points where to edit."""
    for n in range(len(path), -1, -1):
        if path[:n] in origins:
            return origins[path[:n]]
    return fallback


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def concrete_types(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Annotated/list/dict, for suggesting field names."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return concrete_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in concrete_types(a)]
    if origin in (list, dict):
        return [("container", typing.get_args(annotation)[-1])]
    return [annotation]


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def model_at(loc: Iterable[Any], root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The pydantic model under `root` that owns the keys at `loc` (None inside a plain dict),
    so an unknown key can be answered with the keys that are allowed there."""
    current: Any = root
    for part in loc:
        if isinstance(current, tuple):  # a container: the next loc part is its key/index
            current = current[1]
            if _is_model(current):
                continue
            return None
        if not _is_model(current):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        candidates = [t for t in concrete_types(field.annotation)
                      if isinstance(t, tuple) or _is_model(t)]
        if not candidates:
            return None
        current = candidates[0]
    return current if _is_model(current) else None


def issue_from_pydantic(err: dict[str, Any], origins: Origins, fallback: str,
                        root: type[BaseModel] = Scenario) -> ConfigIssue:
    """One pydantic error (validating `root`) as a planner's one-line issue."""
    loc = tuple(str(p) for p in err["loc"])
    # pydantic appends the tag of a union member or a validator name; keep only real keys
    loc = tuple(p for p in loc if not p.startswith("function-") and p not in ("int", "float"))
    file = file_for(loc, origins, fallback)
    path = ".".join(loc)
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        owner = model_at(loc[:-1], root)
        allowed = sorted(field.alias or name for name, field in owner.model_fields.items()
                         ) if owner else []  # a key as written (`from`, not `from_`)
        hint = suggest(loc[-1], allowed)
        return ConfigIssue(
            file, path, f"unknown key '{loc[-1]}'{hint}; allowed keys: {', '.join(allowed)}"
        )
    if err["type"] == "missing":
        return ConfigIssue(file, path, "required key is missing")
    message = err["msg"].removeprefix("Value error, ")
    merged = _sources(loc, value, origins)
    return ConfigIssue(file, path, f"{message} (got {compact(value)}){merged}")


def _sources(loc: tuple[str, ...], value: Any, origins: Origins) -> str:
    """For a mapping merged from several files (an `extends` chain): which file set which key."""
    if not isinstance(value, dict):
        return ""
    files: dict[str, list[str]] = {}
    for key in value:
        if (*loc, str(key)) in origins:
            files.setdefault(origins[(*loc, str(key))], []).append(str(key))
    if len(files) < 2:
        return ""
    return "; merged from " + "; ".join(f"{', '.join(keys)} in {file.rsplit('/', 1)[-1]}"
                                         for file, keys in files.items())


def compact(value: Any, width: int = 70) -> str:
    """A value as a planner wrote it, on part of one line: `{kind: gamma, mean: 3}`, `'x'`."""
    def text(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k}: {text(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(text(x) for x in v) + "]"
        return repr(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)

    out = text(value) if isinstance(value, dict | list) else repr(value)
    return out if len(out) <= width else f"{out[:width - 15]}...{out[-10:]} ({len(out)} chars)"


def issues_from(exc: ValidationError, origins: Origins, fallback: str,
                root: type[BaseModel] = Scenario) -> list[ConfigIssue]:
    """Every error of one failed validation of `root`, translated."""
    return [issue_from_pydantic(err, origins, fallback, root) for err in exc.errors()]
