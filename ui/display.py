"""Where the window is shown: a local screen or a remote X display (ssh -X).

Over `ssh -X` every repainted pixel crosses the network (Qt 6 uploads
repainted areas as raw PutImage requests, 4 bytes a pixel), so the window
refreshes less often there (`refresh_interval_ms`) and keeps X11 shared memory
off.

MIT-SHM: Qt 6's xcb plugin ignores Qt 4's `QT_X11_NO_MITSHM`; what it reads
is `QT_XCB_NO_MITSHM` (checked: with it set the plugin does not even query the
extension, `qt.qpa.xcb: Has MIT-SHM` is never logged; without it, and with
only QT_X11_NO_MITSHM, it is "true" on a server that has the extension).
Over ssh the plugin's own probe (attaching a test segment) would fail and
turn SHM off, but only after trying; setting the variable makes the window
skip the attempt.  Pure functions over an environment mapping: no Qt here.
"""

from __future__ import annotations

from collections.abc import MutableMapping

LOCAL_REFRESH_MS = 0  # every snapshot the controller publishes (at most ten a second)
REMOTE_REFRESH_MS = 500  # over ssh: two refreshes a second (clicks still show at once)
REFRESH_CHOICES = {"auto": None, "fast": LOCAL_REFRESH_MS, "remote": REMOTE_REFRESH_MS, "slow": 1000}


def is_remote(env: MutableMapping[str, str]) -> bool:
    """True when the X display is reached through ssh or over the network:
    SSH_CONNECTION/SSH_CLIENT set, or a DISPLAY with a host part
    ("localhost:10.0" as ssh -X sets it; ":0" is local)."""
    if env.get("SSH_CONNECTION") or env.get("SSH_CLIENT"):
        return True
    display = env.get("DISPLAY", "")
    host = display.rsplit(":", 1)[0] if ":" in display else ""
    return bool(host) and not host.startswith("/") and host != "unix"


def prepare_environment(env: MutableMapping[str, str], offscreen: bool) -> None:
    """Set what Qt must read before the application object exists."""
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    elif is_remote(env):
        env.setdefault("QT_XCB_NO_MITSHM", "1")


def refresh_interval_ms(choice: str, env: MutableMapping[str, str]) -> int:
    """Milliseconds between two view refreshes for the setting `choice`
    ("auto": remote displays get REMOTE_REFRESH_MS, local ones every tick)."""
    fixed = REFRESH_CHOICES.get(choice)
    if fixed is not None:
        return fixed
    return REMOTE_REFRESH_MS if is_remote(env) else LOCAL_REFRESH_MS
