"""What the simulated CRM will make of the imported rules and groups.

The one place where the importer borrows the engine's HA code (the value
decoders and readers of rules and groups, the CRM's feasibility checks of
spec 02 §11.4, the version test of the group migration): W14 must print exactly the ``Drop rule``
lines the simulation will log, so it runs the very same functions on the
very same texts instead of a second implementation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from hasim.engine.ha.groups import MIGRATION_MIN_VERSION, groups_to_rules, parse_groups, version_at_least
from hasim.engine.ha.rules import check_and_transform, decode_comment, decode_nodes, decode_resources, parse_rules

__all__ = [
    "MIGRATION_MIN_VERSION",
    "decode_comment",
    "decode_nodes",
    "decode_resources",
    "dropped_rules",
    "migration_allowed",
    "version_parses",
]


def dropped_rules(
    rules_text: str, groups_text: str, service_config: Mapping[str, dict], nodes: Collection[str]
) -> list[tuple[str, str]]:
    """(rule id, ``Drop rule '<id>', because <message>.``) for every rule
    the CRM would drop, in the order it logs them (ids sorted).

    The rules are the file's plus the ``ha-group-<g>`` rules of the groups
    the services use, appended after them as the CRM does (02 §12.2).
    """
    rules = parse_rules(rules_text) + groups_to_rules(parse_groups(groups_text), service_config)
    _, messages = check_and_transform(rules, sorted(nodes))
    return [(message.split("'", 2)[1], message) for message in messages]


def migration_allowed(version: str) -> bool:
    """Whether nodes running pve-manager `version` let the CRM migrate
    groups to rules (02 §12.3)."""
    return version_at_least(version, MIGRATION_MIN_VERSION)


def version_parses(version: str) -> bool:
    """Whether `version` reads as a pve-manager version at all (any version
    is at least 0.0.0)."""
    return version_at_least(version, "0.0.0")
