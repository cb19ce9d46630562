"""ha/rules.cfg: HA rules, copied byte for byte except what hasim cannot
read (spec 04 §8.2).

A *newer* PVE lets a node-affinity rule carry ``affinity``.  ``positive`` is
the default meaning, so the section is kept (hasim ignores the key).
``negative`` ("avoid these nodes") has no hasim form, but its meaning does:
"must not run on X" is "must run on the others", "should not" is "prefer the
others" - so the section is replaced in place by that positive rule; with no
other node left the rule is dropped.  Every other byte stays as it was, so
the imported file still reads like the admin's own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import attrs

from hasim.importer.crm_checks import decode_comment, decode_nodes, decode_resources
from hasim.importer.diagnostics import Diagnostics, FileDiagnostics, shown
from hasim.importer.sections import Key, TypedSection, boolean, enum, read_typed_sections
from hasim.importer.source import SourceTree

_COMMON = {"resources": Key(decode_resources, required=True), "comment": Key(decode_comment), "disable": Key(boolean)}
_SCHEMAS = {
    "node-affinity": {
        **_COMMON,
        "nodes": Key(decode_nodes, required=True),
        "strict": Key(boolean, default="0"),
        "affinity": Key(enum("positive", "negative")),  # newer than hasim's reference
    },
    "resource-affinity": {**_COMMON, "affinity": Key(enum("positive", "negative"), required=True)},
}


@attrs.frozen
class RulesFile:
    """The source text (None without rules.cfg), its rules, and the text to
    write (`output`, with negative node affinity rewritten)."""

    path: str
    text: str | None
    rules: Mapping[str, TypedSection]
    output: str | None


def read_rules_cfg(tree: SourceTree, nodes: Collection[str] | None, diags: Diagnostics) -> RulesFile:
    path = tree.under_root("ha/rules.cfg")
    source = tree.read_text(path, diags)
    if source is None:
        return RulesFile(path, None, {}, None)
    diag = diags.for_file(path)
    rules = read_typed_sections(source, _SCHEMAS, diag)
    output = source if nodes is None else _rewrite_newer_affinity(source, rules, sorted(nodes), diag)
    return RulesFile(path, source, rules, output)


def _rewrite_newer_affinity(
    source: str, rules: Mapping[str, TypedSection], nodes: list[str], diag: FileDiagnostics
) -> str:
    lines = source.split("\n")
    for rule in sorted(rules.values(), key=lambda r: r.line, reverse=True):  # bottom up: lines stay valid
        if rule.type != "node-affinity" or "affinity" not in rule.values:
            continue
        where = rule.lines["affinity"]
        if rule.values["affinity"] == "positive":
            diag.add("W04", where, f"rule {rule.id}: affinity positive (newer) kept; it is the default meaning")
            continue
        others = [n for n in nodes if n not in rule.values["nodes"]]
        strict = bool(rule.values.get("strict"))
        if not others:
            diag.add("W04", where, f"rule {rule.id}: affinity negative (newer) avoids every node; rule dropped")
            closing = 1 if rule.end < len(lines) and lines[rule.end] == "" else 0
            lines[rule.line - 1 : rule.end + closing] = []
            continue
        diag.add("W04", where, f"rule {rule.id}: affinity negative (newer) rewritten as a "
                 f"{'strict' if strict else 'non-strict'} rule for the other nodes {','.join(others)}")
        lines[rule.line - 1 : rule.end] = _positive_section(lines[rule.line - 1], rule, others, strict)
    return "\n".join(lines)


def _positive_section(header: str, rule: TypedSection, others: list[str], strict: bool) -> list[str]:
    """The replacement: same header, then comment, disable, nodes,
    resources, strict - tab-indented, as the real writer orders them."""
    out = [header]
    for key in ("comment", "disable"):
        if key in rule.values:
            raw = rule.raw[key]
            out.append(f"\t{key}" if raw is None else f"\t{key} {raw}")
    out.append(f"\tnodes {','.join(others)}")
    out.append(f"\tresources {rule.raw['resources']}")
    if strict:
        out.append("\tstrict 1")
    return out


def check_rules(
    rules: RulesFile, services: Collection[str], nodes: Collection[str], diags: Diagnostics
) -> None:
    """W12 for resources that are not imported services, W10 for nodes
    outside the cluster."""
    diag = diags.for_file(rules.path)
    for rule in rules.rules.values():
        unknown = [sid for sid in rule.values["resources"] if sid not in services]
        if unknown:
            diag.add("W12", rule.lines["resources"], f"rule {rule.id}: {', '.join(shown(s) for s in unknown)} "
                     "not an imported HA service")
        outside = sorted(set(rule.values.get("nodes", {})) - set(nodes))
        if outside:
            diag.add("W10", rule.lines["nodes"], f"rule {rule.id}: node(s) {', '.join(shown(n) for n in outside)} "
                     "not in the node list")
