"""Strict, safe YAML reading that remembers where every value came from."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NoReturn

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from backprop_tutor.errors import InputError
from backprop_tutor.files import what_it_is
from backprop_tutor.scenario.limits import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_VALUES", "Document", "parse_yaml",
           "read_yaml"]

Loc = tuple[str | int, ...]
Position = tuple[int, int]

_P = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _MERGE = (
    _P + t for t in ("str", "int", "float", "bool", "null", "merge")
)
# YAML 1.1 floats, plus exponents without a dot or exponent sign (1e-3, 2.5e3), which
# PyYAML would otherwise leave as strings: learning rates are commonly written that way.
# Base-60 floats (1:30.5) are left out, as are YAML 1.1's integers in other bases (_INT_RE).
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
# Integers in decimal only. YAML 1.1 also reads 010 as 8 (octal), 0x10 as 16, 0b101 as 5 and
# 1:30 as 90 (base 60), which a reader of the file would not expect and YAML 1.2 reads
# otherwise; those forms stay text, so a field that wants a number refuses them with a message
# saying how to write it (scenario/messages.py) and a field that wants text keeps what was
# written.
_INT_RE = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_SCALARS = {
    _NULL: SafeConstructor.construct_yaml_null,
    _BOOL: SafeConstructor.construct_yaml_bool,
    _INT: SafeConstructor.construct_yaml_int,
    _FLOAT: SafeConstructor.construct_yaml_float,
}
_KINDS = {_STR: "a string", _INT: "a number", _FLOAT: "a number", _BOOL: "a boolean", _NULL: "null"}


def _implicit_resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    # Keep YAML 1.1 decimal ints, nulls and merge keys. Drop yes/no/on/off booleans, timestamps
    # (they would give date objects) and the '=' value tag (no safe constructor exists).
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        for tag, regexp in entries:
            if tag in (_INT, _NULL, _MERGE, _FLOAT):
                own = {_FLOAT: _FLOAT_RE, _INT: _INT_RE}.get(tag, regexp)
                table.setdefault(first, []).append((tag, own))
    for first in "tTfF":
        table.setdefault(first, []).append((_BOOL, _BOOL_RE))
    return table


def _pos(mark: Any) -> Position:
    return mark.line + 1, mark.column + 1


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _KINDS.get(node.tag, "a string")


@dataclass(frozen=True)
class Document:
    """Parsed YAML data with the source position of every value and key."""

    path: str
    data: Any
    _values: dict[Loc, Position] = field(default_factory=dict, repr=False, compare=False)
    _keys: dict[Loc, Position] = field(default_factory=dict, repr=False, compare=False)
    # The checked text while the positions are still to be found (see _lean_data).
    _text: str | None = field(default=None, repr=False, compare=False)

    def _positions(self) -> tuple[dict[Loc, Position], dict[Loc, Position]]:
        # Positions are only needed for error messages, so a document read by the fast path
        # finds them on first use, by reading its text again on the strict path.
        if self._text is not None:
            strict = _strict_document(self._text, self.path)
            object.__setattr__(self, "_values", strict._values)
            object.__setattr__(self, "_keys", strict._keys)
            object.__setattr__(self, "_text", None)
        return self._values, self._keys

    def locate(self, loc: Loc) -> Position | None:
        """1-based (line, column) of the value at loc, else of its nearest existing ancestor."""
        values = self._positions()[0]
        loc = tuple(loc)
        for end in range(len(loc), -1, -1):
            if loc[:end] in values:
                return values[loc[:end]]
        return None

    def key_location(self, loc: Loc) -> Position | None:
        """1-based (line, column) of the mapping key that loc ends with, if there is one."""
        return self._positions()[1].get(tuple(loc))


class _Strict(Composer):
    """Composer hooks enforcing the limits, and the builder of plain data plus positions."""

    def __init__(self, name: str) -> None:
        Composer.__init__(self)
        self.file = name
        self.aliases = 0
        self.level = 0  # collections currently open
        self.count = 0  # values composed so far, aliases expanded
        self.stats: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
        self.multiline: list[tuple[int, int]] = []  # 0-based line spans of scalars
        self.values: dict[Loc, Position] = {}
        self.keys: dict[Loc, Position] = {}

    def fail(self, message: str, mark: Any = None) -> NoReturn:
        line, column = _pos(mark) if mark is not None else (None, None)
        raise InputError(message, file=self.file, line=line, column=column)

    def compose_root(self) -> Node | None:
        self.get_event()  # stream start
        if self.check_event(StreamEndEvent):
            return None
        root = self.compose_document()
        if not self.check_event(StreamEndEvent):
            self.fail("only one YAML document is allowed per file", self.peek_event().start_mark)
        return root

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # Everything is checked on events, before a value is stored, so hostile input
        # (tags, alias bombs, deep nesting) is refused without being expanded or built.
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                self.fail(
                    f"too many aliases (at most {MAX_ALIASES} '*name' uses)", event.start_mark
                )
            target = self.anchors.get(event.anchor)
            if target is None:
                self.fail(
                    f"unknown alias '*{event.anchor}' (no '&{event.anchor}' before it)",
                    event.start_mark,
                )
            if id(target) not in self.stats:
                self.fail(
                    f"alias '*{event.anchor}' is inside the value it refers to", event.start_mark
                )
            size, height = self.stats[id(target)]
            if self.level + height > MAX_DEPTH:
                self.fail(f"nesting is deeper than {MAX_DEPTH} levels", event.start_mark)
            self.count += size
            if self.count > MAX_VALUES:
                self.fail(
                    f"aliases expand the document to more than {MAX_VALUES} values",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        if event.tag is not None:
            tag = event.tag.replace(_P, "!!", 1)
            self.fail(f"tags are not allowed (found '{tag}')", event.start_mark)
        if event.anchor is not None and event.anchor in self.anchors:
            first = self.anchors[event.anchor].start_mark.line + 1
            self.fail(
                f"duplicate anchor '&{event.anchor}' (first at line {first})", event.start_mark
            )
        collection = isinstance(event, (SequenceStartEvent, MappingStartEvent))
        if collection and self.level >= MAX_DEPTH:
            self.fail(f"nesting is deeper than {MAX_DEPTH} levels", event.start_mark)
        before = self.count
        self.count += 1
        if self.count > MAX_VALUES:
            self.fail(f"the document has more than {MAX_VALUES} values", event.start_mark)
        self.level += collection
        node = super().compose_node(parent, index)
        self.level -= collection
        if isinstance(node, ScalarNode):
            height = 0
            if node.end_mark.line > node.start_mark.line:
                self.multiline.append((node.start_mark.line, node.end_mark.line))
        else:
            children = (
                node.value if isinstance(node, SequenceNode) else chain.from_iterable(node.value)
            )
            height = 1 + max((self.stats[id(child)][1] for child in children), default=0)
        self.stats[id(node)] = (self.count - before, height)
        return node

    def build(self, node: Node, loc: Loc) -> Any:
        self.values[loc] = _pos(node.start_mark)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            data = {}
            for key, (key_node, value_node) in self.pairs(node).items():
                self.keys[(*loc, key)] = _pos(key_node.start_mark)
                data[key] = self.build(value_node, (*loc, key))
            return data
        construct = _SCALARS.get(node.tag)
        if construct is None:
            return node.value
        try:
            return construct(self, node)
        except ValueError:  # e.g. an integer with more digits than Python will convert
            self.fail(f"the number {node.value[:20]}... is too large", node.start_mark)

    def pairs(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node), with '<<' merge keys applied; checks the keys."""
        own: dict[str, tuple[Node, Node]] = {}
        merged: dict[str, tuple[Node, Node]] = {}
        seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, ScalarNode) and key_node.tag in (_STR, _MERGE)):
                shown = f" ({key_node.value!r})" if isinstance(key_node, ScalarNode) else ""
                self.fail(
                    f"mapping keys must be strings, found {_kind(key_node)}{shown}; "
                    "put the key in quotes",
                    key_node.start_mark,
                )
            key = key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.fail(f"duplicate key '{key}' (first at line {first})", key_node.start_mark)
            seen[key] = key_node
            if key_node.tag == _STR:  # a quoted '<<' is an ordinary key
                own[key] = (key_node, value_node)
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    self.fail(
                        "the value of '<<' must be a mapping or a list of mappings",
                        source.start_mark,
                    )
                for k, pair in self.pairs(source).items():
                    merged.setdefault(k, pair)  # earlier sources win, as YAML specifies
        return {**{k: v for k, v in merged.items() if k not in own}, **own}

    def check_tabs(self, text: str) -> None:
        # libyaml accepts tab-indented lines inside flow collections; the pure Python
        # parser does not. Refuse them either way, except within multi-line scalars.
        if "\t" not in text:
            return
        inside = {n for start, end in self.multiline for n in range(start + 1, end + 1)}
        for number, line in enumerate(text.splitlines()):
            body = line.lstrip(" \t")
            if body and "\t" in line[: len(line) - len(body)] and number not in inside:
                raise InputError(
                    "tabs are not allowed for indentation; use spaces",
                    file=self.file,
                    line=number + 1,
                    column=line.index("\t") + 1,
                )


def _make_loader(base: type) -> type:
    class _Loader(_Strict, base):
        yaml_implicit_resolvers = _implicit_resolvers()

        def __init__(self, text: str, name: str) -> None:
            base.__init__(self, text)
            _Strict.__init__(self, name)

    return _Loader


# The C parser only speeds up scanning and parsing: its composer is compiled and cannot
# be hooked, so the Python composer above runs on the C parser's events (marks included).
_Loader = _make_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
# Errors are always reported from the pure Python parser: libyaml's limits and wording change
# between releases (6.0.4's own nesting limit, for one), and a message must not depend on them.
_PythonLoader = _make_loader(yaml.SafeLoader)


def _line_col(text: str, index: int) -> Position:
    lines = (text[:index] + "x").splitlines()
    return len(lines), len(lines[-1])


def _syntax_error(error: yaml.MarkedYAMLError, text: str, name: str) -> InputError:
    mark = error.problem_mark
    if mark is None:
        return InputError(f"YAML syntax error: {error.problem or error}", file=name)
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    message = f"YAML syntax error: {error.problem or 'invalid YAML'}"
    if mark.column < len(line) and line[mark.column] == "\t":
        if line[: mark.column].strip(" \t"):
            message = "YAML syntax error: tab characters are not allowed here; use spaces"
        else:
            message = "tabs are not allowed for indentation; use spaces"
    elif error.context and error.context_mark is not None:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return InputError(message, file=name, line=mark.line + 1, column=mark.column + 1)


def _checked_text(text: str, name: str) -> str:
    """The text without a byte order mark, once its size and characters are fine."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise InputError(f"the file is larger than 1 MiB ({MAX_FILE_BYTES} bytes)", file=name)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError("the file is empty", file=name)
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:
        line, column = _line_col(text, bad.start())
        raise InputError(
            f"the character U+{ord(bad.group()):04X} is not allowed in YAML",
            file=name,
            line=line,
            column=column,
        )
    return text


# Characters that tags ('!'), anchors ('&'), aliases ('*'), merge keys ('<<') and tabs need.
_STRICT_ONLY = ("!", "&", "*", "\t", "<<")


# A plain decimal with a dot and digits on both sides (-0.25, 1.5e-3): _FLOAT_RE resolves it
# to a float and construct_yaml_float gives float(text). Most values of a scenario (weights,
# inputs, targets) look like this, so the fast path converts them directly.
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?")


def _lean_data(text: str) -> dict[str, Any] | None:
    """The data of checked text, without positions; None if the strict path must read it."""
    # Why this is safe: with none of _STRICT_ONLY anywhere in the text (comments and quoted
    # strings included) there can be no tag, anchor, alias, merge key or tab, so the checks
    # left are the ones below (one document, a mapping at the top, string keys once each,
    # MAX_DEPTH, MAX_VALUES, numbers Python can convert), on the strict path's own events,
    # resolver and constructors. Any failed check, exception or unexpected event gives up
    # and the strict path reads the text again, so every error still comes from there and
    # this only has to be right for input the strict path accepts. It walks events, not
    # nodes: libyaml's compiled composer recurses in C and crashes on very deep nesting.
    if any(chars in text for chars in _STRICT_ONLY):
        return None
    loader = _Loader(text, "")
    get_event, resolve, limit = loader.get_event, loader.resolve, MAX_VALUES
    try:
        if not (type(get_event()) is StreamStartEvent and type(get_event()) is DocumentStartEvent):
            return None
        event = get_event()
        if type(event) is not MappingStartEvent or (event.tag, event.anchor) != (None, None):
            return None
        root: dict[str, Any] = {}
        container: Any = root  # the innermost open collection
        key: str | None = None  # in a mapping, the key whose value comes next
        outer: list[tuple[Any, str | None]] = []  # the collections around it, with their keys
        count = 1  # values so far, keys included, as the strict path counts them
        while True:
            event = get_event()
            kind = type(event)
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                if not outer:
                    break  # the top-level mapping is complete
                item = container
                container, key = outer.pop()
            elif kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
                count += 1
                if event.tag is not None or event.anchor is not None or count > limit:
                    return None
                wants_key = key is None and type(container) is dict
                if kind is not ScalarEvent:
                    if wants_key or len(outer) + 1 >= MAX_DEPTH:
                        return None
                    outer.append((container, key))
                    container, key = ({} if kind is MappingStartEvent else []), None
                    continue
                value = event.value
                if not wants_key and event.implicit[0] and _DECIMAL.fullmatch(value):
                    item = float(value)  # what the float resolver and constructor give
                    if key is None:
                        container.append(item)
                    else:
                        container[key] = item
                        key = None
                    continue
                tag = resolve(ScalarNode, value, event.implicit)
                if wants_key:
                    if tag != _STR or value in container:
                        return None
                    key = value
                    continue
                construct = _SCALARS.get(tag)
                item = value if construct is None else construct(loader, ScalarNode(tag, value))
            else:
                return None
            if key is None:
                container.append(item)
            else:
                container[key] = item
                key = None
        if not (type(get_event()) is DocumentEndEvent and type(get_event()) is StreamEndEvent):
            return None
        return root
    except Exception:  # the strict path reports it
        return None
    finally:
        loader.dispose()


def _strict_document(text: str, name: str) -> Document:
    """Compose checked text, checking every event, and record every position."""
    try:
        return _compose(_Loader, text, name)
    except InputError:
        # Read the text again with the pure Python parser, whose checks and wording do not
        # depend on the libyaml release installed; it raises the error this text deserves.
        return _compose(_PythonLoader, text, name)


def _compose(loader_type: type, text: str, name: str) -> Document:
    loader = loader_type(text, name)
    try:
        root = loader.compose_root()
        loader.check_tabs(text)
        if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL and not root.value):
            raise InputError("the file is empty (it has only comments)", file=name)
        if not isinstance(root, MappingNode):
            loader.fail(
                f"expected a mapping at the top level ('key: value' lines), found {_kind(root)}",
                root.start_mark,
            )
        data = loader.build(root, ())
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, name) from None
    except yaml.YAMLError as error:
        raise InputError(f"YAML error: {error}", file=name) from None
    finally:
        loader.dispose()
    return Document(name, data, loader.values, loader.keys)


def parse_yaml(text: str, name: str) -> Document:
    """Parse YAML text whose top level is a mapping; every error is an InputError."""
    text = _checked_text(text, name)
    data = _lean_data(text)
    if data is None:
        return _strict_document(text, name)
    return Document(name, data, _text=text)


def read_source(path: str | os.PathLike[str]) -> str:
    """The UTF-8 text of an input file, read once.

    InputError (located) when it is not a regular file (a named pipe, a device, standard
    input, a directory: refused before it is opened, so nothing blocks), cannot be read, is
    larger than MAX_FILE_BYTES or is not UTF-8.
    """
    name = os.fsdecode(path)
    kind = what_it_is(path)
    if kind is not None:
        raise InputError(f"cannot read the file: it is {kind}, not a regular file; save the "
                         "text to a file and give that", file=name)
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        reasons = {
            FileNotFoundError: "no such file",
            IsADirectoryError: "it is a directory",
            PermissionError: "permission denied",
        }
        reason = reasons.get(type(error), error.strerror or str(error))
        raise InputError(f"cannot read the file: {reason}", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"the file is larger than 1 MiB ({MAX_FILE_BYTES} bytes)", file=name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        start = raw.rfind(b"\n", 0, error.start) + 1
        column = len(raw[start : error.start].decode("utf-8", "replace")) + 1
        raise InputError(
            f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} is invalid); "
            "save it as UTF-8",
            file=name,
            line=raw.count(b"\n", 0, error.start) + 1,
            column=column,
        ) from None


def read_yaml(path: str | os.PathLike[str], *, text: str | None = None) -> Document:
    """Read and parse a YAML file (or the given text, named after path); see read_source."""
    name = os.fsdecode(path)
    if text is None:
        text = read_source(path)
    return parse_yaml(text, name)
