"""corosync.conf: the cluster's node list and how its votequorum differs
from hasim's quorum (spec 04 §4).

The grammar is the one `pve-cluster src/PVE/Corosync.pm` reads: ``#`` to
the end of a line is dropped, the rest is whitespace-separated tokens;
``<name> {`` opens a block, ``}`` closes it, ``<key>:`` takes exactly the
next token as value (a repeated key: the last wins).  Only ``node`` blocks
in ``nodelist`` and ``interface`` blocks in ``totem`` may repeat.  Tokens
keep their line numbers so that every message can point at the line.

hasim's quorum is "more than half of all nodes online, one vote each"; a
real cluster may weigh nodes, add a QDevice or set votequorum options.
Those are W15 warnings that spell out the real numbers next to hasim's.
"""

from __future__ import annotations

import re

import attrs

from hasim.importer.diagnostics import FileDiagnostics, shown

HOST_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", re.ASCII)
MAX_NODES = 32
_TOKEN = re.compile(r"\S+", re.ASCII)
_REPEATABLE = {("nodelist", "node"), ("totem", "interface")}
_QUORUM_OPTIONS = ("two_node", "expected_votes", "wait_for_all", "last_man_standing", "auto_tie_breaker")
_INTEGER = re.compile(r"^[0-9]{1,9}$", re.ASCII)


class CorosyncSyntaxError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@attrs.define
class Block:
    """A ``name { ... }`` block: keys (value, line) and nested blocks."""

    name: str
    line: int
    keys: dict[str, tuple[str, int]] = attrs.field(factory=dict)
    blocks: dict[str, list[Block]] = attrs.field(factory=dict)

    def value(self, key: str) -> str | None:
        found = self.keys.get(key)
        return None if found is None else found[0]

    def first(self, name: str) -> Block | None:
        found = self.blocks.get(name)
        return found[0] if found else None


def parse_corosync(text: str) -> Block:
    """The whole file as the top-level block; CorosyncSyntaxError on the
    first thing Corosync.pm (or the spec's stricter rules) rejects."""
    tokens = [
        (token, lineno)
        for lineno, line in enumerate(text.split("\n"), 1)
        for token in _TOKEN.findall(line.split("#", 1)[0])
    ]
    stack = [Block("", 0)]
    i = 0
    while i < len(tokens):
        token, line = tokens[i]
        following = tokens[i + 1][0] if i + 1 < len(tokens) else None
        parent = stack[-1]
        if following == "{":
            if token in parent.blocks and (parent.name, token) not in _REPEATABLE:
                first = parent.blocks[token][0].line
                raise CorosyncSyntaxError(line, f"block {shown(token)} repeated (first at line {first})")
            block = Block(token, line)
            parent.blocks.setdefault(token, []).append(block)
            stack.append(block)
            i += 2
        elif token == "}":
            if len(stack) == 1:
                raise CorosyncSyntaxError(line, "unexpected '}'")
            stack.pop()
            i += 1
        elif not token.endswith(":") or token == ":":
            raise CorosyncSyntaxError(line, f"missing ':' after key {shown(token)}")
        elif following is None:
            raise CorosyncSyntaxError(line, f"no value for key {shown(token[:-1])}")
        else:
            parent.keys[token[:-1]] = (following, line)
            i += 2
    if len(stack) > 1:
        raise CorosyncSyntaxError(stack[-1].line, f"block {shown(stack[-1].name)} is not closed")
    return stack[0]


@attrs.frozen
class CorosyncNode:
    name: str
    votes: int
    line: int


def read_nodes(conf: Block, diag: FileDiagnostics) -> list[CorosyncNode] | None:
    """The nodelist's nodes sorted by name, or None after an E03."""
    nodelist = conf.first("nodelist")
    blocks = nodelist.blocks.get("node", []) if nodelist is not None else []
    if not blocks:
        diag.add("E03", nodelist.line if nodelist else None, "no node in 'nodelist'")
        return None
    nodes: dict[str, CorosyncNode] = {}
    ok = True
    for block in blocks:
        found = block.keys.get("name") or block.keys.get("ring0_addr")
        if found is None:
            diag.add("E03", block.line, "node without 'name' or 'ring0_addr'")
            ok = False
            continue
        name, line = found
        if not HOST_LABEL.match(name):
            diag.add("E03", line, f"node name {shown(name)} is not a host name (letters, digits, inner '-')")
            ok = False
        elif name in nodes:
            diag.add("E03", line, f"node {name} listed twice (first at line {nodes[name].line})")
            ok = False
        else:
            nodes[name] = CorosyncNode(name, _votes(block, name, diag), line)
    if len(nodes) > MAX_NODES:
        diag.add("E03", nodelist.line, f"{len(nodes)} nodes; the real stack supports at most {MAX_NODES}")
        ok = False
    return [nodes[n] for n in sorted(nodes)] if ok else None


def _votes(block: Block, name: str, diag: FileDiagnostics) -> int:
    found = block.keys.get("quorum_votes")
    if found is None:
        return 1
    value, line = found
    if not _INTEGER.match(value):
        diag.add("W15", line, f"node {name}: quorum_votes {shown(value)} is not a number; hasim gives every node one vote")
        return 1
    if int(value) != 1:
        diag.add("W15", line, f"node {name} has {int(value)} votes; hasim gives every node one vote")
    return int(value)


def _nodes_needed(votes: list[int], target: int) -> str:
    """How many nodes (most votes first) reach `target` votes."""
    total = 0
    for count, v in enumerate(sorted(votes, reverse=True), 1):
        if total >= target:
            return str(count - 1)
        total += v
    return str(len(votes)) if total >= target else "more than all"


def check_quorum(conf: Block, nodes: list[CorosyncNode], diag: FileDiagnostics) -> None:
    """W15 for a QDevice and votequorum options hasim does not model."""
    quorum = conf.first("quorum")
    if quorum is None:
        return
    for option in _QUORUM_OPTIONS:
        found = quorum.keys.get(option)
        if found is not None:
            diag.add("W15", found[1], f"quorum option {option}: {shown(found[0])} is not modelled; "
                     "hasim's quorum is more than half of all nodes")
    device = quorum.first("device")
    if device is not None:
        diag.add("W15", device.line, _qdevice_message(device, [n.votes for n in nodes]))


def _qdevice_message(device: Block, votes: list[int]) -> str:
    net = device.first("net")
    algorithm = (net.value("algorithm") if net is not None else None) or "ffsplit"
    given = device.value("votes")
    if given is not None and _INTEGER.match(given):
        qdevice = int(given)
    elif algorithm == "lms":
        qdevice = max(sum(votes) - 1, 0)
    else:
        qdevice = 1
    expected = sum(votes) + qdevice
    quorum = expected // 2 + 1
    hasim_quorum = len(votes) // 2 + 1
    return (
        f"QDevice (algorithm {shown(algorithm)}, {qdevice} vote{'s' if qdevice != 1 else ''}) not modelled: "
        f"expected votes {expected}, quorum {quorum}, nodes needed "
        f"{_nodes_needed(votes, quorum - qdevice)} with the QDevice, {_nodes_needed(votes, quorum)} without; "
        f"hasim needs {hasim_quorum} of {len(votes)} nodes"
    )
