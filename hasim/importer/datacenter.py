"""datacenter.cfg: the ``ha`` and ``crs`` settings, as hasim's JSON
(spec 04 §9).

Values are property strings (``key=value,...``) checked like
`PVE::JSONSchema::parse_property_string` checks them: a property whose
string fails anywhere (enum, range, number, repeated key, missing
``requires``) is dropped as a whole and the real defaults apply (W19) -
exactly what the real stack does with it, so the import must not "repair"
it.  A key unknown to the format is taken as a setting of a newer release
and dropped alone (W04).

The rebalance threshold and margin are the one unit trap: released PVE 9.2
stores percent, hasim's reference reads fractions (`--rebalance-scale`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs

from hasim.importer.diagnostics import Diagnostics, FileDiagnostics, shown
from hasim.importer.source import SourceTree

REBALANCE_SCALES = ("percent", "fraction")
_LINE = re.compile(r"^(\S+?):\s*(.*?)\s*$", re.ASCII)
_JSON_NUMBER = re.compile(r"^-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,16})?(?:[eE][+-]?[0-9]{1,3})?$", re.ASCII)
_TRUE = ("1", "on", "yes", "true")
_FALSE = ("0", "off", "no", "false")
_PERCENT_KEYS = ("ha-auto-rebalance-threshold", "ha-auto-rebalance-margin")


@attrs.frozen
class PropKey:
    decode: Callable[[str], object]
    requires: str | None = None


def _enum(*choices: str) -> Callable[[str], str]:
    def decode(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"not one of {', '.join(choices)}")
        return raw

    return decode


def _boolean(raw: str) -> int:
    if raw.lower() in _TRUE:
        return 1
    if raw.lower() in _FALSE:
        return 0
    raise ValueError("not a boolean")


def _number(minimum: float, maximum: float | None = None) -> Callable[[str], int | float]:
    def decode(raw: str) -> int | float:
        if not _JSON_NUMBER.match(raw):
            raise ValueError("not a number")
        value = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise ValueError(f"not {bound}")
        return value

    return decode


_AUTO = "ha-auto-rebalance"
FORMATS: Mapping[str, Mapping[str, PropKey]] = {
    "ha": {"shutdown_policy": PropKey(_enum("conditional", "freeze", "failover", "migrate"))},
    "crs": {
        "ha": PropKey(_enum("basic", "static", "dynamic")),
        "ha-rebalance-on-start": PropKey(_boolean),
        _AUTO: PropKey(_boolean),
        "ha-auto-rebalance-threshold": PropKey(_number(0, 100), requires=_AUTO),
        "ha-auto-rebalance-margin": PropKey(_number(0, 100), requires=_AUTO),
        "ha-auto-rebalance-method": PropKey(_enum("bruteforce", "topsis"), requires=_AUTO),
        "ha-auto-rebalance-hold-duration": PropKey(_number(0), requires=_AUTO),
    },
}


class _Invalid(Exception):
    pass


def _parse_property(prop: str, value: str, diag: FileDiagnostics, line: int) -> dict[str, object]:
    """The decoded keys; _Invalid when the real parser rejects the string."""
    fmt = FORMATS[prop]
    result: dict[str, object] = {}
    seen: set[str] = set()
    for part in value.split(","):
        if part.strip() == "":
            continue
        key, sep, raw = part.partition("=")
        if not sep or raw == "":
            raise _Invalid(f"{shown(part)} has no value")
        if key in seen:
            raise _Invalid(f"key {shown(key)} repeated")
        seen.add(key)
        spec = fmt.get(key)
        if spec is None:
            diag.add("W04", line, f"{prop}: key {shown(key)} unknown (newer?); dropped, the rest is kept")
            continue
        try:
            result[key] = spec.decode(raw)
        except ValueError as err:
            raise _Invalid(f"{key} {shown(raw)}: {err}") from None
    for key in result:
        needed = fmt[key].requires
        if needed is not None and needed not in result:
            raise _Invalid(f"{key} requires {needed}")
    return result


def _scaled(settings: dict[str, object], scale: str, diag: FileDiagnostics, line: int) -> dict[str, object]:
    for key in _PERCENT_KEYS:
        if key not in settings:
            continue
        value = settings[key]
        if scale == "percent":
            if value <= 1:
                diag.add("W20", line, f"crs: {key}={value} read as {value} percent (an old fraction? "
                         "then import with --rebalance-scale fraction)")
            settings[key] = value / 100
    return settings


def read_datacenter(tree: SourceTree, scale: str, diags: Diagnostics) -> dict[str, dict[str, object]]:
    """hasim's datacenter.cfg JSON: only the properties present and valid."""
    path = tree.under_root("datacenter.cfg")
    source = tree.read_text(path, diags)
    if source is None:
        return {}
    diag = diags.for_file(path)
    found: dict[str, tuple[str, int]] = {}
    for lineno, line in enumerate(source.split("\n"), 1):
        match = _LINE.match(line)
        if match is not None and not line.startswith("#") and match.group(1) in FORMATS:
            found[match.group(1)] = (match.group(2), lineno)  # a repeated key: the last wins
    result: dict[str, dict[str, object]] = {}
    for prop in sorted(found):
        value, line = found[prop]
        if value == "":
            diag.add("W19", line, f"{prop}: empty; ignored, the defaults apply")
            continue
        try:
            settings = _parse_property(prop, value, diag, line)
        except _Invalid as err:
            diag.add("W19", line, f"{prop}: {err}; the whole property is ignored like the real stack does, "
                     "the defaults apply")
            continue
        if settings:
            result[prop] = _scaled(settings, scale, diag, line)
    return result
