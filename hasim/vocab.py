"""The HA stack's vocabulary, defined once: states, LRM exit codes and their
labels, id syntax, timeouts and the loop length.

Everything that names a state, shows an exit code, checks an id or waits for
a timeout takes it from here: the engine, the window, the explainer, the
safety checks and the CLI.  When two places restate a word they drift apart
(the services table once labelled exit code 8 "wrong node" while the engine
meant "ignored"); one definition cannot.
"""

from __future__ import annotations

import enum
import re

# -- states ---------------------------------------------------------------------------------------------

#: the state an admin requests for a service (service_config `state`, spec 02 §3.1)
REQUESTED_STATES = ("started", "stopped", "disabled", "ignored")
#: accepted in service_config as an old spelling of `started`
LEGACY_REQUESTED_STATES = ("enabled",)

#: the manager's service states (spec 02 §8)
SERVICE_STATES = (
    "request_start", "request_start_balance", "started", "request_stop", "stopped",
    "migrate", "relocate", "fence", "recovery", "freeze", "error",
)  # fmt: skip
#: service states in which the service moves to its `target` node
MOVING_STATES = ("migrate", "relocate", "request_start_balance")
#: service states the LRM does not count as active work (spec 02 §17)
INACTIVE_SERVICE_STATES = ("stopped", "freeze", "error", "request_start")

#: what `ha-manager status` calls a configured service the manager has not
#: taken into its status yet (spec 05 §2.2); the window says the same
NOT_YET_MANAGED = "queued"

#: the manager's node states (spec 02 §6)
NODE_STATES = ("online", "maintenance", "unknown", "fence", "gone")

#: CRM daemon states (spec 02 §2)
CRM_STATES = ("startup", "wait_for_quorum", "slave", "master", "lost_manager_lock")
#: LRM daemon states (spec 03 §3)
LRM_STATES = ("startup", "wait_for_agent_lock", "active", "lost_agent_lock", "maintenance")


# -- LRM exit codes (spec 03 §2.6) ---------------------------------------------------------------------


class ExitCode(enum.IntEnum):
    """What an LRM answers to a request; `label` is what a person reads."""

    SUCCESS = 0
    ERROR = 1
    ETRY_AGAIN = 2
    EWRONG_NODE = 3
    EUNKNOWN_SERVICE_TYPE = 4
    EUNKNOWN_COMMAND = 5
    EINVALID_PARAMETER = 6
    EUNKNOWN_SERVICE = 7
    IGNORED = 8

    @property
    def label(self) -> str:
        return _EXIT_LABELS[self]


_EXIT_LABELS = {
    ExitCode.SUCCESS: "ok",
    ExitCode.ERROR: "error",
    ExitCode.ETRY_AGAIN: "try again",
    ExitCode.EWRONG_NODE: "wrong node",
    ExitCode.EUNKNOWN_SERVICE_TYPE: "unknown service type",
    ExitCode.EUNKNOWN_COMMAND: "unknown command",
    ExitCode.EINVALID_PARAMETER: "invalid parameter",
    ExitCode.EUNKNOWN_SERVICE: "unknown service",
    ExitCode.IGNORED: "ignored",
}


def exit_code_label(code: int | None) -> str:
    """'ok (0)', 'wrong node (3)', … ; '' for no answer; an unknown number as itself."""
    if code is None:
        return ""
    try:
        return f"{ExitCode(code).label} ({code})"
    except ValueError:
        return f"execution failed ({code})" if code == -1 else str(code)


# -- ids --------------------------------------------------------------------------------------------------

#: a service id as the real ha-manager accepts it: type and a numeric guest id.
#: `fullmatch` only: `$` would also match before a final line feed
SID_RE = re.compile(r"(vm|ct|fa):([0-9]+)")
#: the real tester's looser check before it runs a `service` command (Perl on
#: decoded JSON strings: Unicode whitespace is not part of an id)
TESTER_SID_RE = re.compile(r"[a-z]+:\S+")
#: a resource id in a rules or groups section (Perl on the file's bytes: ASCII)
CONFIG_SID_RE = re.compile(r"[a-z]+:\S+", re.ASCII)
#: a node name: a host label (letters, digits, inner '-'), as pmxcfs requires;
#: hasim also accepts '.' and '_' for names in hand-written scenarios
NODE_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*", re.ASCII)
MAX_ID_LENGTH = 64  # longer ids and names are refused as input (they break every table and log line)
MAX_GUEST_ID = 999999999  # the real stack's largest vmid


def is_sid(text: object) -> bool:
    return (
        isinstance(text, str)
        and len(text) <= MAX_ID_LENGTH
        and (m := SID_RE.fullmatch(text)) is not None
        and int(m.group(2)) <= MAX_GUEST_ID
    )


def is_node_name(text: object) -> bool:
    return isinstance(text, str) and len(text) <= MAX_ID_LENGTH and NODE_NAME_RE.fullmatch(text) is not None


def sid_problem(text: str) -> str | None:
    """Why `text` is not a service id (None: it is one), in the window's words."""
    if is_sid(text):
        return None
    return f"'{text}' is not a valid service id: use vm:<number>, ct:<number> or fa:<number>"


# -- time -----------------------------------------------------------------------------------------------

FENCE_DELAY = 60  # spec 02 §6: offline this long as the master sees it before fencing
GONE_DELAY = 3600  # spec 02 §6: a 'gone' node is forgotten after an hour
LOCK_TIMEOUT = 120  # spec 01 §9.5: a lock older than this can be taken over
WATCHDOG_TIMEOUT = 60  # spec 01 §9.6: a watchdog fires when not fed for longer
MAX_SIM_TIME = 10000  # spec 01 §6.2: the batch tester force-ends a run here
LOOPS_PER_SLOT = 5  # spec 01 §6.3: the tester applies a command batch every fifth loop end
SCENARIO_TAIL = 500  # spec 01 §6.3: a batch run ends at the first slot this long after the last batch

MAX_TESTER_NODES = 29  # the real tester refuses loops of 60 s or more
MAX_NODES = 32  # the real stack's supported maximum (hasim extension for 30-32)


def paired_steps(node_count: int) -> bool:
    """hasim extension for 30–32 nodes (beyond the real tester's limit).

    The real loop grows by 2 s per node and refuses P >= 60, because the
    60 s watchdog would then expire between two steps of the same LRM.
    With 30–32 nodes hasim lets a node's CRM and LRM step in the same
    second, so a loop lasts max(20, N) s and the real timeouts still hold.
    Below 30 nodes the real timing is kept exactly.
    """
    return MAX_TESTER_NODES < node_count <= MAX_NODES


def loop_length(node_count: int) -> int:
    """Seconds of one harness loop with `node_count` nodes (spec 01 §6.1)."""
    if paired_steps(node_count):
        return max(20, node_count)
    return max(20, 2 * node_count)


def slot_length(node_count: int) -> int:
    """Seconds between two command batches of a scenario."""
    return LOOPS_PER_SLOT * loop_length(node_count)
