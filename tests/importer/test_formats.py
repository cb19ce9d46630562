"""The real file formats, piece by piece: corosync.conf, guest configs,
property strings, section lines, diagnostics."""

from __future__ import annotations

import pytest

from hasim.importer.corosync import CorosyncSyntaxError, parse_corosync, read_nodes
from hasim.importer.datacenter import FORMATS
from hasim.importer.diagnostics import Diagnostic, Diagnostics, shown
from hasim.importer.guest_config import GuestSize, SizeError, parse_guest_config, size_ct, size_vm
from hasim.importer.sections import Key, boolean, read_typed_sections


def test_corosync_tokens_comments_and_old_ring0_names():
    conf = parse_corosync(
        "# cluster\nnodelist { node { ring0_addr: alpha # old style\n quorum_votes: 1 }\n"
        "  node {\n name: beta\n name: gamma\n }\n}\n"
    )
    diags = Diagnostics()
    nodes = read_nodes(conf, diags.for_file("c"))
    assert [(n.name, n.votes, n.line) for n in nodes] == [("alpha", 1, 2), ("gamma", 1, 6)]  # last key wins
    assert diags.sorted() == ()


@pytest.mark.parametrize("text", ["a: b c", "x {", "}", "key:", "{ a: b }"])
def test_corosync_syntax_errors(text):
    with pytest.raises(CorosyncSyntaxError):
        parse_corosync(text)


def test_corosync_node_and_interface_blocks_repeat_only_where_they_belong():
    parse_corosync("totem {\n interface {\n }\n interface {\n }\n}\n")
    with pytest.raises(CorosyncSyntaxError, match="repeated"):
        parse_corosync("quorum {\n node {\n }\n node {\n }\n}\n")


def test_vm_1103_of_the_holdout():
    conf = parse_guest_config("sockets: 1\ncores: 12\nvcpus: 8\nmemory: 131072\n[PENDING]\nmemory: 196608\n")
    assert size_vm(conf) == GuestSize(8.0, 137438953472)


@pytest.mark.parametrize(
    ("text", "size"),
    [("", GuestSize(1.0, 512 * 1048576)), ("cpulimit: 2\ncores: 4\nsockets: 2\n", GuestSize(8.0, 512 * 1048576)),
     ("memory: current=2048\nvcpus: 0\ncores: 0\n", GuestSize(1.0, 2048 * 1048576)),
     ("cores: 2\nmemory: 1024\ncores: 3\n", GuestSize(3.0, 1024 * 1048576))],
)  # fmt: skip
def test_vm_sizes(text, size):
    assert size_vm(parse_guest_config(text)) == size


@pytest.mark.parametrize(
    ("text", "size"),
    [("cpulimit: 1.5\ncores: 4\n", GuestSize(1.5, 512 * 1048576)), ("cores: 2\nmemory: 0\n", GuestSize(2.0, 512 * 1048576)),
     ("memory: 4096\n", GuestSize(0.0, 4096 * 1048576)), ("cpulimit: 0\ncores: 3\n", GuestSize(3.0, 512 * 1048576))],
)  # fmt: skip
def test_ct_sizes(text, size):
    assert size_ct(parse_guest_config(text)) == size


@pytest.mark.parametrize("text", ["memory: current=512\n", "cores: 1.5\n", "cpulimit: -1\n", "memory: 1" + "0" * 20 + "\n"])
def test_ct_size_errors(text):
    with pytest.raises(SizeError):
        size_ct(parse_guest_config(text))


def test_guest_config_lines_and_sections():
    conf = parse_guest_config("#desc: memory: 1\nmemory:  2048  \nBAD: 1\n[snap]\ncores: 9\n")
    assert conf.values == {"memory": ("2048", 2)}


@pytest.mark.parametrize(("raw", "value"), [("1", 1), ("On", 1), ("YES", 1), ("true", 1), ("0", 0), ("off", 0), ("No", 0)])
def test_datacenter_booleans_are_wider_than_section_config(raw, value):
    assert FORMATS["crs"]["ha-rebalance-on-start"].decode(raw) == value
    if raw not in ("0", "1"):
        with pytest.raises(ValueError):
            boolean(raw)


def test_typed_sections_record_property_lines_past_comments():
    diags = Diagnostics()
    text = "# top\ng: alpha\n\tfoo 1\n# inside\n\tbar x\n\tbar 0\n\ng: beta\n"
    schemas = {"g": {"bar": Key(boolean, default="1"), "baz": Key(boolean, required=True)}}
    assert read_typed_sections(text, schemas, diags.for_file("f")) == {}
    assert [(d.code, d.line) for d in diags.sorted()] == [("W03", 2), ("W01", 3), ("W02", 5), ("W03", 8)]


def test_diagnostics_sort_and_render():
    diags = Diagnostics()
    diags.add("W02", "b", 3, "x")
    diags.add("E01", "-", None, "y")
    diags.add("W01", "b", 3, "z")
    diags.add("W09", "a", 10, "w")
    assert [d.render() for d in diags.sorted()] == [
        "error[E01] -: y", "warning[W09] a:10: w", "warning[W01] b:3: z", "warning[W02] b:3: x"]  # fmt: skip
    assert Diagnostic("W01", "n\udcff", None, "m").render() == "warning[W01] n\\xff: m"


def test_shown_escapes_control_characters_and_cuts_long_values():
    assert shown("a\x1b[31mb") == "'a\\x1b[31mb'"
    assert len(shown("x" * 500)) == 82
