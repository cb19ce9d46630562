"""State colours and labels shared by the table, the nodes panel and the timeline.

One colour per state everywhere: green = running/online, grey = off/stopped,
amber = waiting/unknown, red = fence/error, orange = recovery, purple = moving,
blue = maintenance/freeze.
"""

from __future__ import annotations

from hasim.vocab import NOT_YET_MANAGED

GREEN = "#2f9e44"
LIGHT_GREEN = "#8ccf7e"
GREY = "#868e96"
LIGHT_GREY = "#ced4da"
AMBER = "#f0a202"
RED = "#e03131"
DARK_RED = "#a61e4d"
ORANGE = "#f76707"
PURPLE = "#7048e8"
BLUE = "#1c7ed6"
CYAN = "#3bc9db"
DARK = "#495057"

STATE_COLORS: dict[str, str] = {
    # nodes as the manager sees them
    "online": GREEN,
    "unknown": AMBER,
    "fence": RED,
    "gone": DARK,
    "maintenance": BLUE,
    "off": LIGHT_GREY,
    # services (manager states)
    "started": GREEN,
    "request_start": LIGHT_GREEN,
    "request_stop": GREY,
    "stopped": GREY,
    "migrate": PURPLE,
    "relocate": PURPLE,
    "request_start_balance": PURPLE,
    "recovery": ORANGE,
    "freeze": CYAN,
    "error": DARK_RED,
    "disabled": LIGHT_GREY,
    "ignored": "#b197fc",
    NOT_YET_MANAGED: LIGHT_GREY,  # a configured service the manager has not seen yet
    # daemons
    "master": GREEN,
    "slave": GREEN,
    "active": GREEN,
    "wait_for_quorum": AMBER,
    "wait_for_agent_lock": AMBER,
    "lost_agent_lock": RED,
    "lost_manager_lock": RED,
    "startup": LIGHT_GREEN,
}

# text on the window's light background (contrast >= 4.5:1 on white, WCAG)
GOOD_TEXT = "#2b7a3b"
BAD_TEXT = "#c92a2a"
WARN_TEXT = "#b35900"
BLUE_TEXT = "#1864ab"
MUTED = "#6c757d"
DARK_TEXT = "#495057"

LEVEL_COLORS = {  # log text on white: all at least 4.5:1
    "err": BAD_TEXT,
    "crit": BAD_TEXT,
    "warn": WARN_TEXT,
    "warning": WARN_TEXT,
    "noti": BLUE_TEXT,
    "notice": BLUE_TEXT,
    "emai": PURPLE,
    "email": PURPLE,
}


def state_color(state: str | None) -> str:
    return STATE_COLORS.get(state or NOT_YET_MANAGED, GREY)


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(color[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours (1 … 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color_on(background: str) -> str:
    """Black or white, whichever has the higher WCAG contrast on `background`
    (#rrggbb).  For any colour one of them reaches at least 4.58:1, so text on
    a state colour always meets the 4.5:1 of WCAG AA (white on the green of
    'started' is 3.4:1: it gets black)."""
    return "#000000" if contrast("#000000", background) >= contrast("#ffffff", background) else "#ffffff"


def node_display_state(node) -> str:
    """A node's state for chips, lanes and the explainer's heading: the
    manager's view (as the real GUI shows it), except where that view is
    plainly stale or missing —

    * powered off and the manager still has it 'online' (it notices at its
      next round; the watchdog reset it meanwhile) or never saw it: 'off';
    * powered on, never seen by a manager yet (no master so far): 'online'
      while it is in the quorate partition (what the master will record at
      its first round, and what the explainer says), else 'unknown'.

    'unknown', 'fence', 'gone' and 'maintenance' are always the manager's:
    they are what decides fencing and recovery."""
    state = node.manager_state
    if node.power == "off":
        return "off" if state in (None, "online") else state
    if state:
        return state
    return "online" if node.online else "unknown"


def format_time(seconds: int) -> str:
    """Virtual time as h:mm:ss (plus the raw seconds the log uses)."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def format_duration(seconds: int) -> str:
    s = max(0, int(seconds))
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"
