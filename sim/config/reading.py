"""Reading input files within bounds: the first step of the input boundary.

`read_text` refuses what is not a readable, regular, UTF-8 text file of sensible size (a folder,
a device, a pipe, a binary or UTF-16 file, latin-1 text) before reading more than the limit.
`parse_yaml` composes the YAML node graph with the nesting depth bounded, inspects it (values
with every alias expanded, duplicate keys, the size of every number) and only then builds the
Python values, so an alias bomb, a 5,000-digit integer or `.inf` never reaches the schema.
Every problem is a one-line ConfigError naming the file, the key (or line) and the value.
"""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.config.errors import ConfigError, ConfigIssue
from sim.config.limits import (
    MAX_FILE_BYTES,
    MAX_INT_DIGITS,
    MAX_NUMBER,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    MIB,
    shown,
)

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISSOCK, "a socket"))
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
MERGE_TAG = "tag:yaml.org,2002:merge"


class FileReadError(ConfigError):
    """The file itself cannot be read as text (missing, a folder, too big, binary...): the
    problem is with the path that named it, not with anything inside."""


def real_path(path: str | Path) -> Path:
    """The absolute, symlink-free path when there is one; else the absolute path (a symlink
    loop, for one, is then reported when the file is read)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def read_bytes(path: Path, label: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The contents of a regular file of at most `max_bytes`; anything else is a ConfigError."""
    def fail(message: str) -> ConfigError:
        return FileReadError.single(label, "", message)

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise fail("file not found") from None
    except NotADirectoryError:
        raise fail("file not found (a part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise fail(f"is {_kind(info.st_mode)}, not a file; give a YAML or CSV file") from None
    if info.st_size > max_bytes:
        raise fail(f"is {info.st_size / MIB:.1f} MB; the limit is {max_bytes / MIB:g} MB "
                   "(is it the right file?)") from None
    try:  # O_NONBLOCK: a file swapped for a pipe after the check cannot hang the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise fail("cannot be read (permission denied)") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise fail("is not a regular file") from None
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise fail(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise fail(f"is larger than the limit of {max_bytes / MIB:g} MB") from None
    return data


def decode_text(data: bytes, label: str) -> str:
    """UTF-8 text (a byte-order mark is allowed); UTF-16, binary and latin-1 are refused."""
    def fail(message: str) -> ConfigError:
        return FileReadError.single(label, "", message)

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("is UTF-16 text; save it as UTF-8 (in most editors: Save as, encoding UTF-8)")
    if b"\x00" in data:
        odd = data[1::2]
        hint = " (it looks like UTF-16: save it as UTF-8)" if odd and odd.count(0) > len(
            odd) * 0.8 else ""
        raise fail(f"is a binary file, not text{hint}; give a YAML or CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start:exc.start + 1].hex()
        raise fail(f"is not UTF-8 text (byte 0x{byte} at line {line}, column {column}; "
                   "latin-1 or Windows-1252?); save it as UTF-8") from None


def read_text(path: Path, label: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A bounded, regular UTF-8 text file as a string."""
    return decode_text(read_bytes(path, label, max_bytes), label)


# -- YAML -------------------------------------------------------------------------------------
class _Refused(Exception):
    """A limit hit while composing: carries the line and the message."""

    def __init__(self, node_or_mark: Any, message: str):
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.line = mark.line + 1 if mark is not None else None
        super().__init__(message)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses nesting deeper than MAX_YAML_DEPTH (the composer is
    recursive, so without this a deep file ends in RecursionError)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(self.peek_event().start_mark,
                               f"nesting deeper than {MAX_YAML_DEPTH} levels")
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def _key_text(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else f"<{node.tag.split(':')[-1]}>"


class _Inspector:
    """One walk over the composed node graph with every alias expanded (memoised per node), so
    the walk costs what the file costs, not what the expansion would."""

    def __init__(self, label: str):
        self.label = label
        self.issues: list[ConfigIssue] = []
        self.sizes: dict[int, tuple[int, int]] = {}  # node id -> (values, height)
        self.on_path: set[int] = set()

    def add(self, path: tuple[str, ...], node: Node, message: str) -> None:
        where = f"line {node.start_mark.line + 1}: " if node.start_mark else ""
        self.issues.append(ConfigIssue(self.label, ".".join(path), where + message))

    def visit(self, node: Node, path: tuple[str, ...], depth: int) -> tuple[int, int]:
        key = id(node)
        if key in self.on_path:
            raise _Refused(node, f"{'.'.join(path) or 'the document'}: an alias refers to a "
                                 "value that contains it (a recursive alias)")
        if key in self.sizes:
            size, height = self.sizes[key]
            if depth + height > MAX_YAML_DEPTH:
                raise _Refused(node, f"{'.'.join(path)}: nesting deeper than {MAX_YAML_DEPTH} "
                                     "levels once aliases are expanded")
            return size, height
        if depth > MAX_YAML_DEPTH:
            raise _Refused(node, f"{'.'.join(path)}: nesting deeper than {MAX_YAML_DEPTH} levels "
                                 "once aliases are expanded")
        self.on_path.add(key)
        size, height = 1, 0
        if isinstance(node, MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for k, v in node.value:
                if k.tag != MERGE_TAG and isinstance(k, ScalarNode):
                    if (k.tag, k.value) in seen:
                        self.add((*path, str(k.value)), k,
                                 f"duplicate key {k.value!r} (first at line "
                                 f"{seen[k.tag, k.value]}); a key may appear once in a mapping")
                    seen.setdefault((k.tag, k.value), k.start_mark.line + 1)
                for child, sub in ((k, path), (v, (*path, _key_text(k)))):
                    s, h = self.visit(child, sub, depth + 1)
                    size, height = size + s, max(height, h + 1)
        elif isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                s, h = self.visit(child, (*path, str(i)), depth + 1)
                size, height = size + s, max(height, h + 1)
        else:
            self.number(node, path)
        self.on_path.discard(key)
        self.sizes[key] = (size, height)
        if size > MAX_YAML_NODES:
            raise _Refused(node, f"more than {MAX_YAML_NODES:,} values once aliases (*name) "
                                 "are expanded; aliases may repeat a block, not multiply it")
        return size, height

    def number(self, node: Node, path: tuple[str, ...]) -> None:
        """Integers by their digits (before converting), floats by value: finite, in range."""
        text = str(node.value).replace("_", "").lstrip("+-")
        allowed = f"numbers must be finite and at most {MAX_NUMBER:g} in size"
        if node.tag == INT_TAG:
            digits = len(text) - (2 if text[:2].lower() in ("0x", "0o", "0b") else 0)
            if digits > MAX_INT_DIGITS:
                self.add(path, node, f"integer with {digits} digits is too large; {allowed} "
                                     f"(got {shown(node.value, 30)})")
        elif node.tag == FLOAT_TAG:
            text = str(node.value).replace("_", "").lower()
            try:
                value = float(text.replace(".inf", "inf").replace(".nan", "nan"))
            except ValueError:  # sexagesimal (1:30.5): short by construction
                return
            if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                self.add(path, node, f"{allowed} (got {shown(node.value, 30)})")


def parse_yaml(text: str, label: str) -> Any:
    """One YAML document, inspected within the limits, then built with the safe constructor."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        inspector = _Inspector(label)
        inspector.visit(node, (), 0)
        if inspector.issues:
            raise ConfigError(inspector.issues[:10])
        return loader.construct_document(node)
    except _Refused as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise ConfigError.single(label, "", f"{where}{exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError.single(label, "", f"not valid YAML at {where}: {problem}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # constructor edge cases
        raise ConfigError.single(label, "", f"not valid YAML: {shown(str(exc), 100)}") from None
    finally:
        loader.dispose()


def read_yaml(path: Path, label: str | None = None) -> dict[str, Any]:
    """Read one YAML mapping within the limits; any failure is a one-line ConfigError."""
    label = label or str(path)
    data = parse_yaml(read_text(Path(path), label), label)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError.single(
            label, "", f"must be a mapping of keys to values (got a {type(data).__name__})")
    return data
