"""The "section config" text format of the `groups` and `rules_config` files.

Theory of operation
-------------------
Proxmox keeps many cluster files in one shape (PVE::SectionConfig)::

    # a comment
    <type>: <id>
    <ws><key>[<ws><value>]
    ...
    <empty line>

This module does the *structural* part of reading such a file, exactly as the
real parser walks it (spec 02 §11.1); the meaning of types and properties is
left to the typed readers (`hasim.engine.ha.rules`, `hasim.engine.ha.groups`), which use the
small helpers at the end of this module.

The walk, reproduced line by line because its corners are observable:

* The text is split on ``\\n`` only.  A line whose first non-blank character
  is ``#`` is dropped everywhere, so it never ends a section.
* Outside a section, an empty line is skipped and a line that is not a header
  is ignored.  A header matches ``^(\\S+):\\s*(\\S+)\\s*$``; the type is
  lower-cased.
* After a header, every following line up to the first *completely empty* one
  belongs to the section.  A line of blanks is not empty: it just does not
  look like a property and is ignored.  (So a CRLF file, whose "empty" lines
  are ``\\r``, runs every section into the next one - as upstream does.)
  Perl tests the line for truth, so a line consisting of ``0`` ends a section
  too.
* Property lines match ``^\\s+(\\S+)(\\s+(.*\\S))?\\s*$``; anything else
  is ignored.
* A section whose id does not match ``^[a-z][a-z0-9_-]+$`` (any case) is
  skipped entirely, together with its property lines.

Regular expressions are ASCII-only, like Perl's on the raw bytes of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from hasim.values import Value

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

__all__ = [
    "Section",
    "Skipped",
    "scan_section_config",
    "parse_section_config",
    "format_section_config",
    "split_list",
    "parse_bool",
    "first_valid",
    "valid_id",
    "decode_section",
]

_HEADER = re.compile(r"^(\S+):\s*(\S+)\s*$", re.ASCII)
_PROPERTY = re.compile(r"^\s+(\S+)(?:\s+(.*\S))?\s*$", re.ASCII)
_COMMENT = re.compile(r"^\s*#", re.ASCII)
_CONFIG_ID = re.compile(r"^[a-z][a-z0-9_-]+$", re.ASCII | re.IGNORECASE)
_LIST_SEP = re.compile(r"[,;]")
_BLANKS = re.compile(r"\s+", re.ASCII)


def _frozen_props(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


class Section(Value):
    """One section as written in the file.

    `props` holds the first occurrence of each key with its raw value (a key
    given without value reads as ``"1"``, the boolean reading).  `entries`
    keeps every property line in file order, value ``None`` when absent: the
    real parser keeps the first occurrence *that passes validation*, so typed
    readers need all of them (see `first_valid`).  `order` numbers the sections
    with a valid id from 1 in file order; `line` is the header's line number.
    """

    type: str
    id: str
    order: int
    props: Mapping[str, str] = MappingProxyType({})
    entries: tuple[tuple[str, str | None], ...] = ()
    line: int = 0

    _converters = {"props": _frozen_props, "entries": tuple}
    _not_compared = ("entries", "line")


class Skipped(Value):
    """A section the structural parse had to skip, for error reporting."""

    type: str
    id: str
    line: int
    reason: str


def valid_id(section_id: str) -> bool:
    """Whether `section_id` is a valid config id (pve-configid)."""
    return _CONFIG_ID.fullmatch(section_id) is not None  # `$` alone would accept a final line feed


def scan_section_config(text: str) -> tuple[list[Section], list[Skipped]]:
    """Walk `text` like the real parser; return kept and skipped sections.

    Never raises: whatever does not fit the format is ignored.
    """
    sections: list[Section] = []
    skipped: list[Skipped] = []
    lines = text.split("\n")
    pos = 0  # index of the next line to read

    def next_line() -> tuple[str | None, int]:
        # next non-comment line and its 1-based number, None at end of text
        nonlocal pos
        while pos < len(lines):
            line = lines[pos]
            pos += 1
            if not _COMMENT.match(line):
                return line, pos
        return None, pos

    order = 0
    while pos < len(lines):
        line, lineno = next_line()
        if not line or line == "0":  # Perl: `next if !$line`
            continue
        header = _HEADER.match(line)
        if header is None:
            continue
        type_, section_id = header.group(1).lower(), header.group(2)
        entries: list[tuple[str, str | None]] = []
        while True:
            line, _ = next_line()
            if line is None or line == "" or line == "0":
                break
            prop = _PROPERTY.match(line)
            if prop is not None:
                entries.append((prop.group(1), prop.group(2)))
        if not valid_id(section_id):
            skipped.append(Skipped(type_, section_id, lineno, "invalid id"))
            continue
        props: dict[str, str] = {}
        for key, value in entries:
            props.setdefault(key, "1" if value is None else value)
        order += 1
        sections.append(Section(type_, section_id, order, props, tuple(entries), lineno))
    return sections, skipped


def parse_section_config(text: str) -> list[Section]:
    """Structural parse: the sections with a valid id, in file order."""
    return scan_section_config(text)[0]


def format_section_config(sections: Iterable[Section]) -> str:
    """Write sections the way the real stack does: a header, tab-indented
    ``<key> <value>`` lines (just ``<key>`` for an empty value), and an empty
    line after every section.

    Values must not contain line breaks (they could not be read back); such a
    value raises `ValueError`, as upstream refuses to write it.
    """
    out: list[str] = []
    for section in sections:
        out.append(f"{section.type}: {section.id}\n")
        for key, value in section.props.items():
            if "\n" in key or "\r" in key or "\n" in value or "\r" in value:
                raise ValueError(f"property '{key}' of section '{section.id}' contains a line feed")
            out.append(f"\t{key} {value}\n" if value != "" else f"\t{key}\n")
        out.append("\n")
    return "".join(out)


# ---------------------------------------------------------------------------
# helpers for the typed readers


def split_list(value: str) -> list[str]:
    """Split a list value on ``,``, ``;`` and blanks (PVE::Tools::split_list).

    An all-separator value gives the empty list, which the real schema check
    accepts ("we allow empty lists").
    """
    return [item for item in _BLANKS.split(_LIST_SEP.sub(" ", value).strip()) if item]


def parse_bool(value: str | None) -> bool:
    """Decode a boolean property; raise ValueError unless it is 0 or 1.

    The real schema check accepts exactly ``0`` and ``1`` (``yes``/``true``
    are rejected); a key without value means 1.
    """
    if value is None or value == "1":
        return True
    if value == "0":
        return False
    raise ValueError(f"type check ('boolean') failed - got '{value}'")




def first_valid(
    section: Section, key: str, decode: Callable[[str | None], T]
) -> tuple[T | None, bool, list[str]]:
    """Decode property `key` of `section` as the real parser keeps it.

    Every occurrence is checked in file order; the first one `decode` accepts
    wins (a rejected occurrence leaves the key unset, so a later duplicate may
    still set it).  `decode` raises ValueError with a reason for bad values.
    Returns (value, found, reasons for the rejected occurrences).
    """
    reasons: list[str] = []
    # a hand-made Section may carry only `props`
    entries = section.entries or tuple(section.props.items())
    for k, raw in entries:
        if k != key:
            continue
        if raw is not None and "\r" in raw:
            reasons.append("property contains a line feed")
            continue
        try:
            return decode(raw), True, reasons
        except ValueError as exc:
            reasons.append(str(exc))
    return None, False, reasons


def decode_section(
    section: Section, schema: Mapping[str, tuple[Callable[[str | None], object], bool]]
) -> tuple[dict[str, object], list[str]]:
    """Decode a section's properties by a schema {key: (decoder, required)}.

    Returns the decoded values and, for required properties that are missing
    or invalid, the problems the real parser would reject the section for.
    """
    values: dict[str, object] = {}
    problems: list[str] = []
    for key, (decode, required) in schema.items():
        value, found, reasons = first_valid(section, key, decode)
        if found:
            values[key] = value
        elif required:
            problems.extend(f"invalid value for '{key}': {reason}" for reason in reasons)
            if not reasons:
                problems.append(f"missing required property '{key}'")
    return values, problems


def read_sections(
    text: str,
    what: str,
    types: Iterable[str],
    kind: str,
    decode: Callable[[Section], tuple[T | None, list[str]]],
) -> tuple[dict[str, tuple[T | None, Section]], list[str]]:
    """Read every section of a config file the way rules and groups share.

    `what` names the file and the kind of section in messages
    ("rules_config: rule"), `types` are the section types accepted, `kind`
    names a section type in the message for any other ("rule type").
    Returns id -> (decoded value or None when `decode` rejected it, section),
    in file order with a repeated id at the place of its later section (which
    wins), and the problems of every dropped or ignored section.
    """
    sections, skipped = scan_section_config(text)
    problems = [
        f"{what} '{s.id}': invalid id, it must start with a letter and "
        f"contain only letters, digits, '-' and '_' (line {s.line})"
        for s in skipped
    ]
    types = frozenset(types)
    kept: dict[str, tuple[T | None, Section]] = {}
    for section in sections:
        if section.type not in types:
            problems.append(f"{what} '{section.id}': unknown {kind} '{section.type}' (line {section.line})")
            continue
        value, value_problems = decode(section)
        problems.extend(f"{what} '{section.id}': {p} (line {section.line})" for p in value_problems)
        if section.id in kept:
            problems.append(
                f"{what} '{section.id}': defined again at line {section.line}, "
                f"the section at line {kept[section.id][1].line} is ignored"
            )
            del kept[section.id]  # the later section takes the later place
        kept[section.id] = (value, section)
    return kept, problems
