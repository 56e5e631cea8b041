"""Read YAML while remembering where every value came from.

Content errors must name the file, the line and the field; PyYAML's node tree knows lines, plain
``safe_load`` forgets them. So we compose nodes and build plain data plus a path -> line map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.core.content_rules import ContentError

try:  # the C loader is several times faster; the pure one is the fallback on odd platforms
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the wheel
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]


def dotted(path: Path_) -> str:
    """``("topics", 2, "speech")`` -> ``topics[2].speech``: the field name a content editor searches for."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass
class LocatedDoc:
    """A parsed YAML document with the line of every value, for error messages."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int:
        """The line of ``path``, or of its nearest parent that has one."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Path_, message: str) -> str:
        return f"{self.file}:{self.line(path)}: {dotted(path)}: {message}"


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: str, loader: Any) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise ContentError([f"{file}:{key_node.start_mark.line + 1}: {dotted((*path, key))}: "
                                    "appears twice"])
            out[key] = _build(value_node, (*path, key), lines, file, loader)
            lines[(*path, key)] = key_node.start_mark.line + 1  # errors point at the key, not its value
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, file, loader) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    return loader.construct_object(node, deep=True)


def load_located(path: Path, display: str | None = None) -> LocatedDoc:
    """Parse one YAML file; syntax errors become a ContentError with the file and line."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError([f"{name}:1: (file): cannot be read: {exc.strerror}"]) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentError([f"{name}:{line}: (syntax): {exc.problem or exc.context}"]) from None
    lines: dict[Path_, int] = {}
    data = _build(node, (), lines, name, _Loader("")) if node is not None else None
    return LocatedDoc(name, data, lines)
