"""Arguments as the real ha-manager reads them: spec 05 §6.1, byte for byte."""

from __future__ import annotations

import pytest

from hasim.admin.cli_tree import help_text, usage_listing
from hasim.admin.parameters import ParameterError, parse


def error(*argv: str) -> str:
    with pytest.raises(ParameterError) as info:
        parse(list(argv))
    return info.value.text


def test_a_format_reason_leaves_an_empty_line_before_the_usage():
    # the spec's example
    assert error("add", "foo") == (
        "400 Parameter verification failed.\n"
        "sid: invalid format - value does not look like a valid ha resource id\n"
        "\n"
        "ha-manager add <sid> [OPTIONS]\n"
    )


@pytest.mark.parametrize(
    "argv, line",
    [
        (["migrate", "vm:101", "node_2"], "node: invalid format - value does not look like a valid node name\n\n"),
        (["groupremove", "1g"], "group: invalid format - invalid configuration ID '1g'\n\n"),
        (["rules", "remove", "r"], "rule: invalid format - invalid configuration ID 'r'\n\n"),
        (["add", "vm:101", "--state", "up"],
         "state: value 'up' does not have a value in the enumeration 'started, stopped, enabled, disabled, ignored'\n"),
        (["crm-command", "disarm-ha", "melt"],
         "resource-mode: value 'melt' does not have a value in the enumeration 'freeze, ignore'\n"),
        (["rules", "add", "host-affinity", "r1", "--resources", "vm:101"],
         "type: value 'host-affinity' does not have a value in the enumeration 'node-affinity, resource-affinity'\n"),
        (["config", "--type", "lxc"], "type: value 'lxc' does not have a value in the enumeration 'ct, fa, vm'\n"),
        (["crm-command", "stop", "vm:101", "abc"], "timeout: type check ('integer') failed - got 'abc'\n"),
        (["set", "vm:101", "--max_restart", "-1"], "max_restart: value must have a minimum value of 0\n"),
        (["rules", "add", "node-affinity", "r1"], "resources: property is missing and it is not optional\n"),
        (["groupadd", "g1"], "nodes: property is missing and it is not optional\n"),
        (["rules", "add", "node-affinity", "r1", "--resources", "vm:101", "--nodes", "node1:x"],
         "nodes: invalid format - value does not look like a valid ha group node\n\n"),
    ],
)  # fmt: skip
def test_schema_errors_name_the_parameter(argv, line):
    text = error(*argv)
    assert text.startswith("400 Parameter verification failed.\n" + line)


def test_every_failing_parameter_has_its_line():
    text = error("set", "vm:101", "--state", "up", "--max_restart", "x")
    assert text.splitlines()[1:3] == [
        "max_restart: type check ('integer') failed - got 'x'",
        "state: value 'up' does not have a value in the enumeration 'started, stopped, enabled, disabled, ignored'",
    ]


@pytest.mark.parametrize(
    "argv, text",
    [
        (["add"], "400 not enough arguments\nha-manager add <sid> [OPTIONS]\n"),
        (["remove", "vm:101", "vm:102"], "400 too many arguments\nha-manager remove <sid> [OPTIONS]\n"),
        (["crm-command", "stop", "vm:101", "-1"],
         "Unknown option: 1\n400 unable to parse option\nha-manager crm-command stop <sid> <timeout>\n"),
        (["status", "--Colour"], "Unknown option: colour\n400 unable to parse option\nha-manager status  [OPTIONS]\n"),
        (["set", "vm:101", "--max_re", "2"],
         "Option max_re is ambiguous (max_relocate, max_restart)\n400 unable to parse option\n"
         "ha-manager set <sid> [OPTIONS]\n"),
        (["set", "vm:101", "--comment"],
         "Option comment requires an argument\n400 unable to parse option\nha-manager set <sid> [OPTIONS]\n"),
        (["remove", "vm:101", "--purge", "maybe"],
         "400 unable to parse boolean option\nha-manager remove <sid> [OPTIONS]\n"),
        (["migrate", "vm:101"], "400 not enough arguments\nha-manager crm-command migrate <sid> <node>\n"),
        (["crm-command", "node-maintenance", "enable"],
         "400 not enough arguments\nha-manager crm-command node-maintenance enable <node>\n"),
        (["groupconfig", "x"], "400 too many arguments\nha-manager groupconfig \n"),
        (["crm-command", "arm-ha", "now"], "400 too many arguments\nha-manager crm-command arm-ha \n"),
        (["rules", "list", "x"], "400 too many arguments\nha-manager rules list  [OPTIONS] [FORMAT_OPTIONS]\n"),
        (["rules", "set", "node-affinity"], "400 not enough arguments\nha-manager rules set <type> <rule> [OPTIONS]\n"),
        (["groupadd"], "400 not enough arguments\nha-manager groupadd <group> --nodes <string> [OPTIONS]\n"),
        (["rules", "add"], "400 not enough arguments\nha-manager rules add <type> <rule> --resources <string> [OPTIONS]\n"),
    ],
)  # fmt: skip
def test_option_and_count_errors_and_usage_lines(argv, text):
    assert error(*argv) == text


def test_unknown_and_missing_commands_list_every_command():
    text = error("frobnicate")
    assert text == usage_listing("unknown command 'ha-manager frobnicate'")
    lines = text.splitlines()
    assert lines[:4] == [
        "ERROR: unknown command 'ha-manager frobnicate'",
        "USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]",
        "",
        "       ha-manager crm-command node-maintenance disable <node>",
    ]
    body = [line.strip() for line in lines[3:]]
    assert body == [
        "ha-manager crm-command node-maintenance disable <node>",
        "ha-manager crm-command node-maintenance enable <node>",
        "ha-manager crm-command migrate <sid> <node>",
        "ha-manager crm-command relocate <sid> <node>",
        "ha-manager crm-command arm-ha",
        "ha-manager crm-command disarm-ha <resource-mode>",
        "ha-manager crm-command stop <sid> <timeout>",
        "",
        "ha-manager rules add <type> <rule> --resources <string> [OPTIONS]",
        "ha-manager rules config  [OPTIONS] [FORMAT_OPTIONS]",
        "ha-manager rules list  [OPTIONS] [FORMAT_OPTIONS]",
        "ha-manager rules remove <rule>",
        "ha-manager rules set <type> <rule> [OPTIONS]",
        "",
        "ha-manager groupadd <group> --nodes <string> [OPTIONS]",
        "ha-manager groupconfig",
        "ha-manager groupremove <group>",
        "ha-manager groupset <group> [OPTIONS]",
        "",
        "ha-manager add <sid> [OPTIONS]",
        "ha-manager config  [OPTIONS]",
        "ha-manager remove <sid> [OPTIONS]",
        "ha-manager set <sid> [OPTIONS]",
        "",
        "ha-manager status  [OPTIONS]",
        "",
        "ha-manager help [<extra-args>] [OPTIONS]",
    ]
    assert "       ha-manager crm-command arm-ha \n" in text and "       ha-manager groupconfig \n" in text
    assert error().startswith("ERROR: no command specified\nUSAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]\n\n")
    assert error("crm-command", "frobnicate").startswith("ERROR: unknown command 'ha-manager crm-command frobnicate'\n")


def test_an_incomplete_command_lists_its_subtree_without_empty_lines():
    assert error("crm-command") == (
        "ERROR: incomplete command 'ha-manager crm-command'\n"
        "USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]\n"
        "       ha-manager crm-command node-maintenance disable <node>\n"
        "       ha-manager crm-command node-maintenance enable <node>\n"
        "       ha-manager crm-command migrate <sid> <node>\n"
        "       ha-manager crm-command relocate <sid> <node>\n"
        "       ha-manager crm-command arm-ha \n"
        "       ha-manager crm-command disarm-ha <resource-mode>\n"
        "       ha-manager crm-command stop <sid> <timeout>\n"
    )
    assert error("crm-command", "node-maint").startswith(
        "ERROR: incomplete command 'ha-manager crm-command node-maintenance'\n"
    )


def test_help_lists_every_command_without_an_error_line():
    assert help_text() == usage_listing("x").split("\n", 1)[1]


@pytest.mark.parametrize(
    "argv, path, params",
    [
        (["stat"], ("status",), {}),
        (["status", "--verb"], ("status",), {"verbose": 1}),
        (["status", "-VERBOSE=no"], ("status",), {"verbose": 0}),
        (["migrate", "vm:101", "node2"], ("crm-command", "migrate"), {"sid": "vm:101", "node": "node2"}),
        (["crm", "node-m", "en", "node1"], ("crm-command", "node-maintenance", "enable"), {"node": "node1", "disable": 0}),
        (["re", "vm:101"], ("remove",), {"sid": "vm:101"}),  # relocate is an alias: no prefix
        (["remove", "vm:101", "--purge", "OFF"], ("remove",), {"sid": "vm:101", "purge": 0}),
        (["add", "--state", "stopped", "vm:101"], ("add",), {"sid": "vm:101", "state": "stopped"}),
        (["set", "vm:101", "--comment", "-x"], ("set",), {"sid": "vm:101", "comment": "-x"}),
        (["rules", "add", "node-affinity", "r1", "--resources", "vm:1", "--resources", "vm:2;vm:3", "--nodes=n1"],
         ("rules", "add"), {"type": "node-affinity", "rule": "r1", "resources": "vm:1,vm:2;vm:3", "nodes": "n1"}),
        (["add", "--", "107"], ("add",), {"sid": "107"}),
    ],
)  # fmt: skip
def test_accepted_spellings(argv, path, params):
    parsed = parse(argv)
    assert (parsed.path, dict(parsed.params)) == (path, params)


def test_an_ambiguous_prefix_or_an_alias_prefix_is_an_unknown_command():
    assert error("mig").startswith("ERROR: unknown command 'ha-manager mig'\n")
    assert error("group", "g1").startswith("ERROR: unknown command 'ha-manager group'\n")


def test_a_boolean_takes_the_next_word_as_its_value():
    # Getopt::Long's optional value: `--purge vm:101` reads `vm:101` as the boolean
    assert error("remove", "--purge", "vm:101") == "400 not enough arguments\nha-manager remove <sid> [OPTIONS]\n"
