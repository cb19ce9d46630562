"""Reading `ha-manager` arguments the way pve-common does (spec 05 §6.1).

The real command resolves its words (unique prefixes allowed, aliases
followed), reads options with Getopt::Long (`--opt value`, `-opt=value`,
abbreviations, any case; booleans take an optional value), assigns the
positional arguments and checks every parameter against the method's JSON
schema before anything is read.  Each step fails with its own text, which a
trainee learns to recognise; `parse` reproduces them as one `ParameterError`
holding everything the real command writes to stderr (exit status 255).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from hasim.admin.cli_tree import (
    EXE,
    FORMAT_PROPS,
    TREE,
    Alias,
    Method,
    Prop,
    expand_word,
    usage_line,
    usage_listing,
)

EXIT_REFUSED = 255  # what the real CLI exits with after a refusal


class ParameterError(Exception):
    """Arguments the real CLI rejects; `text` is its whole stderr output."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@attrs.frozen
class Parsed:
    """A resolved command with its checked parameters (strings as typed,
    booleans as 0/1, lists joined by commas, fixed parameters included)."""

    path: tuple[str, ...]
    params: Mapping[str, Any] = attrs.field(converter=lambda d: MappingProxyType(dict(d)))
    usage: str = ""

    @property
    def command(self) -> str:
        return " ".join(self.path)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


# -- formats (PVE::JSONSchema and pve-ha-manager's registered formats) ----------------------------

_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "pve-ha-resource-or-vm-id": (re.compile(r"[a-z]+:\S+|[0-9]+", re.ASCII),
                                 "value does not look like a valid ha resource id"),  # fmt: skip
    "pve-ha-resource-id": (re.compile(r"[a-z]+:\S+", re.ASCII), "value does not look like a valid ha resource id"),
    "pve-node": (re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", re.ASCII),
                 "value does not look like a valid node name"),  # fmt: skip
    "pve-ha-group-node": (re.compile(r"[^\s:]+(?::[0-9]+)?", re.ASCII), "value does not look like a valid ha group node"),
    "pve-configid": (re.compile(r"[a-z][a-z0-9_-]+", re.ASCII | re.IGNORECASE), "invalid configuration ID '{}'"),
}
_LIST_ITEM = {"pve-ha-group-node-list": "pve-ha-group-node", "pve-ha-resource-id-list": "pve-ha-resource-id",
              "pve-configid-list": "pve-configid"}  # fmt: skip
_SPLIT = re.compile(r"[,;\s]+", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_BOOLEANS = {"1": 1, "yes": 1, "on": 1, "true": 1, "0": 0, "no": 0, "off": 0, "false": 0}


def split_list(value: str) -> list[str]:
    """PVE::Tools::split_list: items between commas, semicolons and blanks."""
    return [item for item in _SPLIT.split(value) if item]


def format_problem(format_name: str, value: str) -> str | None:
    """The format verifier's message for `value` (None: it passes)."""
    items = split_list(value) if format_name in _LIST_ITEM else [value]
    pattern, message = _FORMATS[_LIST_ITEM.get(format_name, format_name)]
    for item in items:
        if not pattern.fullmatch(item):
            return message.format(item)
    return None


def _schema_problem(prop: Prop, value: Any) -> str | None:
    """PVE::JSONSchema::check_prop for one defined value."""
    if prop.type == "integer" and not _INTEGER.fullmatch(str(value)):
        return f"type check ('integer') failed - got '{value}'"
    if prop.type != "string":
        if prop.minimum is not None and int(value) < prop.minimum:
            return f"value must have a minimum value of {prop.minimum}"
        return None
    if prop.max_length is not None and len(value.encode("utf-8", "surrogateescape")) > prop.max_length:
        return f"value may only be {prop.max_length} characters long"
    if prop.format is not None and (problem := format_problem(prop.format, value)) is not None:
        return f"invalid format - {problem}\n"
    if prop.enum is not None and value not in prop.enum:
        return f"value '{value}' does not have a value in the enumeration '{', '.join(prop.enum)}'"
    return None


# -- words -----------------------------------------------------------------------------------------


def resolve(argv: Sequence[str]) -> tuple[tuple[str, ...], Method, list[str]]:
    """The command words (expanded, aliases followed), the method, the rest."""
    words = list(argv)
    while True:
        level: Any = TREE
        path: list[str] = []
        for i, word in enumerate(words):
            name = expand_word(level, word) or word
            path.append(name)
            node = level.get(name)
            if node is None:
                raise ParameterError(usage_listing(f"unknown command '{' '.join((EXE, *path))}'"))
            if isinstance(node, Method):
                return tuple(path), node, words[i + 1 :]
            if isinstance(node, Alias):
                words = node.target.split() + words[i + 1 :]
                break
            level = node
        else:
            if not path:
                raise ParameterError(usage_listing("no command specified"))
            raise ParameterError(usage_listing(f"incomplete command '{' '.join((EXE, *path))}'", tuple(path)))


# -- options (Getopt::Long with prefix_pattern (--|-), auto_abbrev, ignore_case, permute) ----------------


def _getopt(args: list[str], props: Mapping[str, Prop]) -> tuple[dict[str, Any], list[str], list[str]]:
    """(options, positional arguments, warnings) as GetOptionsFromArray reads them."""
    opts: dict[str, Any] = {}
    positional: list[str] = []
    warnings: list[str] = []
    names = sorted(props)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positional.extend(args[i:])
            break
        match = re.match(r"(--|-)(.+)", arg, re.DOTALL)
        if match is None:
            positional.append(arg)
            continue
        name, inline = match.group(2), None
        if "=" in name[1:]:
            cut = name.index("=", 1)
            name, inline = name[:cut], name[cut + 1 :]
        name = name.lower()
        hits = [n for n in names if n.startswith(name)]
        if name in hits:
            hits = [name]
        if len(hits) > 1:
            warnings.append(f"Option {name} is ambiguous ({', '.join(hits)})")
            continue
        if not hits:
            warnings.append(f"Unknown option: {name}")
            continue
        prop = props[hits[0]]
        if prop.type == "boolean":  # ":s": an optional value
            if inline is not None:
                value = inline
            elif i < len(args) and not (args[i] == "--" or re.match(r"(--|-).+", args[i], re.DOTALL)):
                value = args[i]
                i += 1
            else:
                value = ""
        else:  # "=s": a value is required, whatever it looks like
            if inline is not None and inline != "":
                value = inline
            elif inline is None and i < len(args):
                value = args[i]
                i += 1
            else:
                warnings.append(f"Option {prop.name} requires an argument")
                continue
        if prop.is_list or prop.type == "array":
            opts.setdefault(prop.name, []).append(value)
        else:
            opts[prop.name] = value
    return opts, positional, warnings


def _fail(message: str, usage: str, warnings: Sequence[str] = (), errors: Mapping[str, str] | None = None) -> None:
    text = "".join(f"{w}\n" for w in warnings) + f"400 {message}\n"
    for name in sorted(errors or {}):
        text += f"{name}: {errors[name]}\n"  # type: ignore[index]
    raise ParameterError(text + usage + "\n")


def parse(argv: Sequence[str]) -> Parsed:
    """Resolve and check `argv` (the words after `ha-manager`); ParameterError if the real CLI would."""
    path, method, rest = resolve(argv)
    usage = usage_line(method, " ".join((EXE, *path)))
    props = {p.name: p for p in method.props if p.name not in method.fixed}
    if method.format_options:
        props.update({p.name: p for p in FORMAT_PROPS})
    opts, positional, warnings = _getopt(rest, props)
    if warnings:
        _fail("unable to parse option", usage, warnings)
    params: dict[str, Any] = dict(opts)
    for index, name in enumerate(method.args):
        if name == "extra-args":
            params[name] = positional[index:]
            positional = positional[:index]
            break
        if index >= len(positional):
            if not props[name].optional:
                _fail("not enough arguments", usage)
            break
        params[name] = positional[index]
    if len(positional) > len([a for a in method.args if a != "extra-args"]):
        _fail("too many arguments", usage)
    for name, value in list(params.items()):
        prop = props[name]
        if prop.type == "boolean":
            if value == "":
                params[name] = 1
            elif value.lower() in _BOOLEANS:
                params[name] = _BOOLEANS[value.lower()]
            else:
                _fail("unable to parse boolean option", usage)
        elif prop.is_list:
            params[name] = ",".join(value)
    params.update(method.fixed)
    errors = {}
    for prop in props.values():
        if prop.name not in params:
            if not prop.optional:
                errors[prop.name] = "property is missing and it is not optional"
        elif prop.type != "array" and (problem := _schema_problem(prop, params[prop.name])) is not None:
            errors[prop.name] = problem
    if errors:
        _fail("Parameter verification failed.", usage, errors=errors)
    return Parsed(path, params, usage)
