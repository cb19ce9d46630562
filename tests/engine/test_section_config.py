"""The section-config text format (spec 02 §11.1), as the real parser walks it."""

from hasim.formats.section_config import (
    Section,
    first_valid,
    format_section_config,
    parse_bool,
    parse_section_config,
    scan_section_config,
    split_list,
)


def test_a_section_is_a_header_and_indented_key_value_lines():
    text = "group: group1\n\tnodes node1\n\trestricted 1\n"
    assert parse_section_config(text) == [
        Section("group", "group1", 1, {"nodes": "node1", "restricted": "1"})
    ]


def test_sections_are_numbered_in_file_order_from_one():
    text = "a: one\n\tk v\n\nb: two\n\tk v\n\nc: three\n\tk v\n"
    assert [(s.type, s.id, s.order) for s in parse_section_config(text)] == [
        ("a", "one", 1),
        ("b", "two", 2),
        ("c", "three", 3),
    ]


def test_header_type_is_lower_cased_but_id_keeps_its_case():
    [section] = parse_section_config("Node-Affinity: MyRule\n\tnodes node1\n")
    assert (section.type, section.id) == ("node-affinity", "MyRule")


def test_header_allows_blanks_around_the_id():
    [section] = parse_section_config("group:g1  \n\tnodes n1\n")
    assert section.id == "g1"


def test_header_type_is_everything_up_to_the_last_colon_before_the_id():
    # `^(\S+):\s*(\S+)\s*$` is greedy: "a:b:c" reads as type "a:b", id "c"
    [section] = parse_section_config("a:b: cc\n\tk v\n")
    assert (section.type, section.id) == ("a:b", "cc")


def test_a_section_with_an_invalid_id_is_skipped_with_its_properties():
    text = "group: 1abc\n\tnodes node1\n\ngroup: x\n\tnodes n\n\ngroup: ok_id-2\n\tnodes n\n"
    # ids must match ^[a-z][a-z0-9_-]+$: "1abc" starts with a digit, "x" is too short
    sections, skipped = scan_section_config(text)
    assert [s.id for s in sections] == ["ok_id-2"]
    assert sections[0].order == 1
    assert [(s.id, s.line) for s in skipped] == [("1abc", 1), ("x", 4)]


def test_id_check_ignores_case_but_only_for_ascii_letters():
    assert [s.id for s in parse_section_config("g: ABC\n\tk v\n")] == ["ABC"]
    # U+017F (long s) matches [a-z] under Python's unicode case folding; not here
    assert parse_section_config("g: \u017fabc\n\tk v\n") == []


def test_comment_lines_are_dropped_everywhere_and_do_not_end_a_section():
    text = "# head\ngroup: g1\n\tnodes n1\n  # inside\n\trestricted 1\n"
    [section] = parse_section_config(text)
    assert section.props == {"nodes": "n1", "restricted": "1"}


def test_a_section_ends_at_the_first_completely_empty_line():
    text = "group: g1\n\tnodes n1\n\n\trestricted 1\n"
    [section] = parse_section_config(text)
    assert section.props == {"nodes": "n1"}  # the stray line is outside any section


def test_a_line_of_blanks_does_not_end_a_section_and_is_ignored():
    text = "group: g1\n\tnodes n1\n \t \n\trestricted 1\n"
    [section] = parse_section_config(text)
    assert section.props == {"nodes": "n1", "restricted": "1"}


def test_a_header_without_empty_line_before_it_is_swallowed_by_the_previous_section():
    # the header line is not indented, so it is an ignored line of section g1
    text = "group: g1\n\tnodes n1\ngroup: g2\n\tnodes n2\n"
    [section] = parse_section_config(text)
    assert section.id == "g1"
    assert section.props == {"nodes": "n1"}


def test_crlf_files_run_every_section_into_the_next():
    # "\r" is not an empty line, so nothing ends the first section
    text = "group: g1\r\n\tnodes n1\r\n\r\ngroup: g2\r\n\tnodes n2\r\n"
    [section] = parse_section_config(text)
    assert section.id == "g1"
    assert section.props == {"nodes": "n1"}  # trailing \r is trailing blank


def test_a_line_holding_only_zero_ends_a_section_like_perl_falsehood():
    text = "group: g1\n\tnodes n1\n0\n\trestricted 1\n"
    [section] = parse_section_config(text)
    assert section.props == {"nodes": "n1"}


def test_a_key_without_value_reads_as_one():
    [section] = parse_section_config("group: g1\n\trestricted\n")
    assert section.props == {"restricted": "1"}
    assert section.entries == (("restricted", None),)


def test_property_value_is_the_rest_of_the_line_without_surrounding_blanks():
    [section] = parse_section_config("g: g1\n\tcomment   two  words \t\n")
    assert section.props == {"comment": "two  words"}


def test_unindented_lines_inside_a_section_are_ignored():
    [section] = parse_section_config("g: g1\nnodes n1\n\tnodes n2\n")
    assert section.props == {"nodes": "n2"}


def test_the_first_occurrence_of_a_repeated_key_is_the_structural_value():
    [section] = parse_section_config("g: g1\n\tnodes n1\n\tnodes n2\n")
    assert section.props == {"nodes": "n1"}
    assert section.entries == (("nodes", "n1"), ("nodes", "n2"))


def test_lines_outside_sections_are_ignored():
    text = "garbage\n\tnodes n0\n\ng: g1\n\tnodes n1\n"
    assert [s.id for s in parse_section_config(text)] == ["g1"]


def test_empty_text_has_no_sections():
    assert parse_section_config("") == []
    assert parse_section_config("\n\n# only a comment\n") == []


def test_format_writes_tab_indented_properties_and_an_empty_line_after_each_section():
    sections = [
        Section("group", "g1", 1, {"nodes": "n1", "restricted": "1"}),
        Section("group", "g2", 2, {"nodes": "n2", "flag": ""}),
    ]
    assert format_section_config(sections) == (
        "group: g1\n\tnodes n1\n\trestricted 1\n\ngroup: g2\n\tnodes n2\n\tflag\n\n"
    )


def test_format_then_parse_gives_the_same_sections():
    sections = [Section("a", "one", 1, {"k": "v w"}), Section("b", "two", 2, {"x": "1"})]
    assert parse_section_config(format_section_config(sections)) == sections


def test_split_list_accepts_commas_semicolons_and_blanks():
    assert split_list("a,b;c d\te") == ["a", "b", "c", "d", "e"]
    assert split_list(" a ,, b ") == ["a", "b"]
    assert split_list(",") == []  # an all-separator value is an empty list


def test_booleans_are_exactly_zero_or_one():
    assert parse_bool("1") is True
    assert parse_bool("0") is False
    assert parse_bool(None) is True  # key given without value
    for word in ("yes", "true", "on", "2", "01"):
        try:
            parse_bool(word)
        except ValueError:
            pass
        else:
            raise AssertionError(word)


def test_the_first_occurrence_that_passes_validation_wins():
    [section] = parse_section_config("g: g1\n\tstrict yes\n\tstrict 0\n\tstrict 1\n")
    value, found, reasons = first_valid(section, "strict", parse_bool)
    assert (value, found) == (False, True)
    assert reasons == ["type check ('boolean') failed - got 'yes'"]


def test_first_valid_reports_a_missing_key():
    [section] = parse_section_config("g: g1\n\tother 1\n")
    assert first_valid(section, "strict", parse_bool) == (None, False, [])
