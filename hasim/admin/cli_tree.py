"""The real `ha-manager` command tree: words, parameters, usage lines (spec 05 §6.1).

pve-ha-manager 5.2.0 maps each command word to an API method of some class
(`PVE::API2::HA::Resources`, `…::Groups`, `…::Rules`, `PVE::CLI::ha_manager`)
with its positional arguments and fixed parameters; pve-common's CLIHandler
derives everything a user sees from that table — the usage line of every
command, the listing after an unknown command, which words may be
abbreviated.  This module is that table as data and those derivations.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

EXE = "ha-manager"
USAGE_HEAD = f"USAGE: {EXE} <COMMAND> [ARGS] [OPTIONS]"

# the API classes, which order and group the usage listing
RESOURCES = "PVE::API2::HA::Resources"
GROUPS = "PVE::API2::HA::Groups"
RULES = "PVE::API2::HA::Rules"
CLI = "PVE::CLI::ha_manager"
HANDLER = "PVE::CLIHandler"


@attrs.frozen
class Prop:
    """One parameter of an API method, as its JSON schema says."""

    name: str
    type: str = "string"  # string | integer | boolean | array
    optional: bool = True
    enum: tuple[str, ...] | None = None
    format: str | None = None
    minimum: int | None = None
    max_length: int | None = None

    @property
    def is_list(self) -> bool:
        return self.format is not None and self.format.endswith("-list")


@attrs.frozen
class Method:
    """A command: the API method it calls, its positional arguments and fixed parameters."""

    api_class: str
    props: tuple[Prop, ...]
    args: tuple[str, ...] = ()
    fixed: Mapping[str, int] = attrs.field(factory=dict, converter=lambda d: MappingProxyType(dict(d)))
    format_options: bool = False

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)


@attrs.frozen
class Alias:
    target: str  # e.g. "crm-command migrate"


Node = Method | Alias | Mapping[str, "Node"]

_COMMENT = Prop("comment", max_length=4096)
_DELETE = Prop("delete", format="pve-configid-list", max_length=4096)
_DIGEST = Prop("digest", max_length=64)
_SID = Prop("sid", optional=False, format="pve-ha-resource-or-vm-id")
_MAX = (Prop("max_relocate", "integer", minimum=0), Prop("max_restart", "integer", minimum=0))
REQUESTED = ("started", "stopped", "enabled", "disabled", "ignored")
_RESOURCE = (_COMMENT, Prop("failback", "boolean"), Prop("group", format="pve-configid"), *_MAX,
             Prop("state", enum=REQUESTED))  # fmt: skip
#: hasim adds its simulated `fa:` resources wherever the real CLI names types
GUEST_TYPES = ("ct", "fa", "vm")
_GROUP = Prop("group", optional=False, format="pve-configid")
_GROUP_PROPS = (_COMMENT, Prop("nofailback", "boolean"), Prop("restricted", "boolean"))
RULE_TYPES = ("node-affinity", "resource-affinity")
_RULE_TYPE = Prop("type", optional=False, enum=RULE_TYPES)
_RULE = Prop("rule", optional=False, format="pve-configid")
_RULE_PROPS = (Prop("affinity", enum=("positive", "negative")), _COMMENT, Prop("disable", "boolean"),
               Prop("nodes", format="pve-ha-group-node-list"), Prop("strict", "boolean"))  # fmt: skip
OUTPUT_FORMATS = ("text", "json", "json-pretty", "yaml")
FORMAT_PROPS = (Prop("human-readable", "boolean"), Prop("noborder", "boolean"), Prop("noheader", "boolean"),
                Prop("output-format", enum=OUTPUT_FORMATS), Prop("quiet", "boolean"))  # fmt: skip
_RULES_INDEX = Method(RULES, (Prop("resource", format="pve-ha-resource-id"), Prop("type", enum=RULE_TYPES)),
                      format_options=True)  # fmt: skip
_MOVE = Method(RESOURCES, (_SID, Prop("node", optional=False, format="pve-node")), ("sid", "node"))
_MAINTENANCE = (Prop("disable", "boolean", optional=False), Prop("node", optional=False, format="pve-node"))

TREE: Mapping[str, Node] = {
    "status": Method(CLI, (Prop("verbose", "boolean"),)),
    "config": Method(RESOURCES, (Prop("type", enum=GUEST_TYPES),)),
    "add": Method(
        RESOURCES,
        (*_RESOURCE, Prop("node", format="pve-node"), _SID, Prop("type", enum=GUEST_TYPES)),  # node: hasim's
        ("sid",),
    ),
    "set": Method(RESOURCES, (*_RESOURCE, _DELETE, _DIGEST, _SID), ("sid",)),
    "remove": Method(RESOURCES, (Prop("purge", "boolean"), _SID), ("sid",)),
    "migrate": Alias("crm-command migrate"),
    "relocate": Alias("crm-command relocate"),
    "crm-command": {
        "migrate": _MOVE,
        "relocate": _MOVE,
        "stop": Method(CLI, (_SID, Prop("timeout", "integer", optional=False, minimum=0)), ("sid", "timeout")),
        "node-maintenance": {
            "enable": Method(CLI, _MAINTENANCE, ("node",), {"disable": 0}),
            "disable": Method(CLI, _MAINTENANCE, ("node",), {"disable": 1}),
        },
        "disarm-ha": Method(CLI, (Prop("resource-mode", optional=False, enum=("freeze", "ignore")),),
                            ("resource-mode",)),  # fmt: skip
        "arm-ha": Method(CLI, ()),
    },
    "groupconfig": Method(GROUPS, ()),
    "groupadd": Method(GROUPS, (*_GROUP_PROPS, _GROUP, Prop("nodes", optional=False, format="pve-ha-group-node-list")),
                       ("group",)),  # fmt: skip
    "groupset": Method(GROUPS, (*_GROUP_PROPS, _DELETE, _DIGEST, _GROUP,
                                Prop("nodes", format="pve-ha-group-node-list")), ("group",)),  # fmt: skip
    "groupremove": Method(GROUPS, (_GROUP,), ("group",)),
    "rules": {
        "list": _RULES_INDEX,
        "config": _RULES_INDEX,
        "add": Method(RULES, (*_RULE_PROPS, Prop("resources", optional=False, format="pve-ha-resource-id-list"),
                              _RULE, _RULE_TYPE), ("type", "rule")),  # fmt: skip
        "set": Method(RULES, (*_RULE_PROPS, _DELETE, _DIGEST, Prop("resources", format="pve-ha-resource-id-list"),
                              _RULE, _RULE_TYPE), ("type", "rule")),  # fmt: skip
        "remove": Method(RULES, (_RULE,), ("rule",)),
    },
    "help": Method(HANDLER, (Prop("extra-args", "array"), Prop("verbose", "boolean")), ("extra-args",)),
}


def expand_word(level: Mapping[str, Node], word: str) -> str | None:
    """A command word as CLIHandler completes it: the word itself, or the one
    command of this level it is a prefix of (never an alias)."""
    if word in level:
        return word
    hits = [name for name in level if name.startswith(word) and not isinstance(level[name], Alias)]
    return hits[0] if len(hits) == 1 else None


def usage_line(method: Method, prefix: str) -> str:
    """The short usage of a command (`ha-manager add <sid> [OPTIONS]`), without line feed."""
    props = {p.name: p for p in method.props}
    args = []
    for name in method.args:
        prop = props[name]
        args.append(f"{{<{name}>}}" if prop.is_list else f"[<{name}>]" if prop.optional else f"<{name}>")
    options = False
    for name in sorted(props):
        if name in method.args or name in method.fixed:
            continue
        options = True
        if not props[name].optional:
            args.append(f"--{name} <{props[name].type}>")
    line = f"{prefix} {' '.join(args)}" + (" [OPTIONS]" if options else "")
    return line + (" [FORMAT_OPTIONS]" if method.format_options else "")


def _listing_order(level: Mapping[str, Node]) -> list[str]:
    """CLIHandler's order: sub-command levels (and aliases) first by name,
    then commands by API class, then by name."""

    def key(name: str):
        node = level[name]
        if isinstance(node, Method):
            return (1, node.api_class, name)
        return (0, "", name)

    return sorted(level, key=key)


def _listing(level: Mapping[str, Node], prefix: str, separator: str) -> str:
    out = ""
    last_class = None
    for name in _listing_order(level):
        node = level[name]
        if isinstance(node, Alias):
            continue
        if isinstance(node, Method):
            if last_class is not None and last_class != node.api_class:
                out += separator
            out += " " * 7 + usage_line(node, f"{prefix} {name}") + "\n"
            last_class = node.api_class
        else:
            sub = _listing(node, f"{prefix} {name}", "")
            if sub:
                if separator and separator * 2 not in sub:
                    sub += separator
                out += sub
    return out


def help_text() -> str:
    """`ha-manager help`: the usage of every command."""
    return f"{USAGE_HEAD}\n\n" + _listing(TREE, EXE, "\n")


def usage_listing(message: str, subtree: tuple[str, ...] = ()) -> str:
    """What CLIHandler prints for an unknown, missing or incomplete command:
    the whole tree, its groups apart, or only the incomplete command's subtree."""
    level: Mapping[str, Node] = TREE
    for word in subtree:
        level = level[word]  # type: ignore[index]
    head = f"ERROR: {message}\n{USAGE_HEAD}\n"
    if subtree:
        return head + _listing(level, " ".join((EXE, *subtree)), "")
    return head + "\n" + _listing(level, EXE, "\n")
