"""Typed reading of the HA section-config files with a diagnostic per
oddity (spec 04 §3.1): W01 unknown key, W02 invalid value, W03 skipped or
repeated section.

The structural walk is hasim's own (`hasim.formats.section_config`), the one
the simulator uses on the same text, so the import and the simulation agree
on what a section is.  Two things are added here: the line of every property
(the walk keeps only the header's), and the typed rules of
`pve-common src/PVE/SectionConfig.pm` - an unknown key is dropped, a value
failing its check is dropped (its default applies), a repeated key keeps its
first valid occurrence, a section lacking a required key is skipped, a
repeated id: the later section wins.

resources.cfg names its sections by vmid (``vm: 100``), which the walk's
config-id check would reject; `numeric_ids` lets those through by giving
every header id a letter prefix for the walk and taking it off again, so the
caller checks vmids itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs

from hasim.formats.section_config import parse_bool, scan_section_config
from hasim.importer.diagnostics import FileDiagnostics, shown

Decoder = Callable[[str | None], object]

_HEADER = re.compile(r"^(\S+):\s*(\S+)\s*$", re.ASCII)
_PROPERTY = re.compile(r"^\s+(\S+)(?:\s+(.*\S))?\s*$", re.ASCII)
_COMMENT = re.compile(r"^\s*#", re.ASCII)
_ID_PREFIX = "x"
_INTEGER = re.compile(r"^[+-]?[0-9]{1,15}$", re.ASCII)
_CONFIG_ID = re.compile(r"^[a-z][a-z0-9_-]+$", re.ASCII | re.IGNORECASE)


@attrs.frozen
class Key:
    """How to read one property: `decode` raises ValueError(reason);
    `default` is said in the W02 message ("default 1 applies")."""

    decode: Decoder
    required: bool = False
    default: str | None = None


@attrs.frozen
class TypedSection:
    """A section that survived: decoded `values`, and for each kept key its
    raw text and line.  `end` is the last line of the section (header to
    the line before the empty line that closes it), for in-place rewrites."""

    type: str
    id: str
    line: int
    end: int
    values: Mapping[str, object]
    raw: Mapping[str, str | None]
    lines: Mapping[str, int]


# -- decoders -------------------------------------------------------------------------------------


def boolean(raw: str | None) -> int:
    """0 or 1 only (a key without value is 1); the section-config rule."""
    try:
        return int(parse_bool(raw))
    except ValueError:
        raise ValueError("not a boolean (0 or 1)") from None


def non_negative_integer(raw: str | None) -> int:
    if raw is None or not _INTEGER.match(raw) or int(raw) < 0:
        raise ValueError("not an integer >= 0")
    return int(raw)


def enum(*choices: str) -> Decoder:
    def decode(raw: str | None) -> str:
        if raw not in choices:
            raise ValueError(f"not one of {', '.join(choices)}")
        return raw

    return decode


def config_id(raw: str | None) -> str:
    if raw is None or not _CONFIG_ID.match(raw):
        raise ValueError("not an id (a letter, then letters, digits, '-', '_')")
    return raw


# -- reading --------------------------------------------------------------------------------------


def _with_id_prefix(text_: str) -> str:
    lines = text_.split("\n")
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if match is not None:
            lines[i] = f"{match.group(1)}: {_ID_PREFIX}{match.group(2)}"
    return "\n".join(lines)


def _property_lines(lines: list[str], header: int) -> tuple[list[int], int, list[int]]:
    """Walk the section whose header is at line `header` (1-based) as the
    structural parser walks it: the lines of its properties, its last line,
    and the lines inside it that look like headers - swallowed because no
    empty line came before them (a CRLF file has no empty lines at all)."""
    found: list[int] = []
    swallowed: list[int] = []
    end = header
    for lineno in range(header + 1, len(lines) + 1):
        line = lines[lineno - 1]
        if _COMMENT.match(line):
            end = lineno
            continue
        if line == "" or line == "0":
            break
        end = lineno
        if _PROPERTY.match(line):
            found.append(lineno)
        elif _HEADER.match(line):
            swallowed.append(lineno)
    return found, end, swallowed


def read_typed_sections(
    source: str,
    schemas: Mapping[str, Mapping[str, Key]],
    diag: FileDiagnostics,
    numeric_ids: bool = False,
) -> dict[str, TypedSection]:
    """id -> surviving section, in file order (a repeated id at the place
    of its later section).  With `numeric_ids` the key is ``<type>:<id>``
    (a sid: ``vm: 100`` and ``ct: 100`` are different resources) and the
    caller checks the id."""
    sections, skipped = scan_section_config(_with_id_prefix(source) if numeric_ids else source)

    def plain(section_id: str) -> str:
        return section_id[len(_ID_PREFIX):] if numeric_ids else section_id

    for skip in skipped:
        diag.add("W03", skip.line, f"{skip.type}: {shown(plain(skip.id))}: section skipped: invalid id")
    lines = source.split("\n")
    kept: dict[str, TypedSection] = {}
    for section in sections:
        name = f"{section.type}: {plain(section.id)}"
        entry_lines, end, swallowed = _property_lines(lines, section.line)
        for lineno in swallowed:
            diag.add("W03", lineno, f"looks like a section header but belongs to {shown(name)} (line "
                     f"{section.line}), no empty line before it; ignored like the real parser does")
        schema = schemas.get(section.type)
        if schema is None:
            diag.add("W03", section.line, f"{shown(name)}: section skipped: unknown type {shown(section.type)}")
            continue
        typed = _typed(section.type, plain(section.id), section.line, end,
                       list(zip(section.entries, entry_lines, strict=True)), schema, diag)
        if typed is None:
            continue
        key = f"{typed.type}:{typed.id}" if numeric_ids else typed.id
        if key in kept:
            earlier = kept.pop(key)
            diag.add("W03", typed.line, f"{name}: defined again, the section at line {earlier.line} is ignored")
        kept[key] = typed
    return kept


def _typed(
    type_: str,
    section_id: str,
    line: int,
    end: int,
    entries: list[tuple[tuple[str, str | None], int]],
    schema: Mapping[str, Key],
    diag: FileDiagnostics,
) -> TypedSection | None:
    name = f"{type_}: {section_id}"
    values: dict[str, object] = {}
    raw: dict[str, str | None] = {}
    where: dict[str, int] = {}
    for (key, value), lineno in entries:
        spec = schema.get(key)
        if spec is None:
            diag.add("W01", lineno, f"{name}: unknown key {shown(key)} dropped")
            continue
        if key in values:
            continue
        try:
            values[key] = spec.decode(value)
        except ValueError as err:
            default = f"default {spec.default} applies" if spec.default is not None else "dropped"
            diag.add("W02", lineno, f"{name}: invalid {key} {shown(value or '')} ({err}); {default}")
            continue
        raw[key] = value
        where[key] = lineno
    missing = [key for key, spec in schema.items() if spec.required and key not in values]
    if missing:
        diag.add("W03", line, f"{name}: section skipped: missing required key {shown(missing[0])}")
        return None
    return TypedSection(type_, section_id, line, end, values, raw, where)
