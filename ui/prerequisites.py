"""What the window needs before Qt starts, each missing piece with its fix.

Qt does not fail gently when it finds no platform to show a window on: with
no DISPLAY, a DISPLAY nobody answers at, or a missing xcb library, it prints
"Reinstalling the application may fix this problem" and aborts the
interpreter (SIGABRT, exit 134).  So `hasim` asks these questions first and
exits 2 with one line that says what is wrong and how to fix it, and
`hasim doctor` prints the same findings in its report: one place decides,
two places speak.

Checked, for the platform Qt will use (QT_QPA_PLATFORM, else the display
variables):

* X11 (xcb): the shared libraries of Qt's xcb platform plugin (`ldd`, which
  names every missing one, where Qt names only the first), then DISPLAY, then
  a real connection to it through libxcb (`xcb_connect`, exactly what the
  plugin does: socket, host and authority cookie), bounded by a timeout;
* Wayland: WAYLAND_DISPLAY and its socket;
* offscreen, vnc, linuxfb… need no display and are not checked.

Pure functions over an environment mapping; nothing here imports Qt's
modules (only the PySide6 package, to find the plugin).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

# shared library (as ldd names it) -> Debian/Ubuntu package
XCB_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-randr.so": "libxcb-randr0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}

# platforms that show nothing on a screen of the user's: no display to check
HEADLESS_PLATFORMS = ("offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
CONNECT_TIMEOUT = 5.0  # seconds: an unreachable remote X server must not hang `hasim`

NO_DISPLAY_FIX = (
    "connect with `ssh -X host` (or -Y), or run a virtual screen: `xvfb-run -a hasim`; "
    "pictures without a display: `hasim --offscreen --advance 600 --screenshot out.png`"
)
CANNOT_CONNECT_FIX = (
    "check DISPLAY (ssh -X sets it, e.g. localhost:10.0) and that the X server runs; after su or sudo the X "
    "cookie does not follow (log in as that user with ssh -X); or run `xvfb-run -a hasim`"
)


class Problem(NamedTuple):
    """One reason the window cannot open, and the fix, each one sentence."""

    what: str
    fix: str
    packages: tuple[str, ...] = ()  # Debian packages the fix installs

    def line(self) -> str:
        return f"the window cannot open: {self.what}. Fix: {self.fix} (`hasim doctor` checks everything)"


NO_DISPLAY = Problem("no display: neither DISPLAY nor WAYLAND_DISPLAY is set", NO_DISPLAY_FIX)


# -- the xcb platform plugin's libraries ---------------------------------------------------------


def xcb_plugin_path() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    base = Path(PySide6.__file__).resolve().parent
    for candidate in (base / "Qt" / "plugins" / "platforms" / "libqxcb.so", base / "plugins" / "platforms" / "libqxcb.so"):
        if candidate.exists():
            return candidate
    return None


def missing_libraries(paths: list[Path]) -> list[str]:
    """Library names ldd reports as 'not found' for any of `paths`."""
    missing: list[str] = []
    for path in paths:
        try:
            out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for line in out.splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                if name not in missing:
                    missing.append(name)
    return missing


def xcb_libraries_problem(plugin: Path, *, with_gl: bool = False) -> Problem | None:
    """The system libraries Qt's xcb plugin lacks (Qt's own, bundled in the
    wheel and found through its run path, do not count).  `with_gl` also
    checks the GL integrations, which the window can do without."""
    paths = [plugin]
    if with_gl:
        integ = plugin.parent.parent / "xcbglintegrations"
        if integ.is_dir():
            paths.extend(sorted(integ.glob("*.so")))
        qt_lib = plugin.parent.parent.parent / "lib" / "libQt6XcbQpa.so.6"
        if qt_lib.exists():
            paths.append(qt_lib)
    bundled = ("libQt6", "libpyside", "libshiboken")
    missing = [m for m in missing_libraries(paths) if not m.startswith(bundled)]
    if not missing:
        return None
    packages = tuple(sorted({XCB_PACKAGES.get(m, m) for m in missing}))
    return Problem(
        "the X11 (xcb) platform plugin cannot load; missing: " + ", ".join(missing),
        "apt-get install -y " + " ".join(packages),
        packages,
    )


# -- the display -----------------------------------------------------------------------------------


def _xcb_connect(display: str) -> int | None:
    """libxcb's error code for connecting to `display` (0: connected), or
    None when libxcb itself cannot be loaded."""
    import ctypes

    try:
        lib = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    lib.xcb_connect.restype = ctypes.c_void_p
    lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = lib.xcb_connect(display.encode(), None)
    try:
        return int(lib.xcb_connection_has_error(conn))
    finally:
        lib.xcb_disconnect(conn)


_XCB_ERRORS = {
    1: "no X server answers there, or it refused the connection (a missing or wrong X authority cookie)",
    5: "DISPLAY is not of the form [host]:number[.screen]",
    6: "the X server has no such screen",
}


def x_connect_error(display: str, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """Why `display` cannot be connected to, or None when it can (or when
    libxcb is missing, which the library check reports)."""
    result: list[int | None] = []
    worker = threading.Thread(target=lambda: result.append(_xcb_connect(display)), daemon=True)
    worker.start()
    worker.join(timeout)
    if not result:
        return f"no answer within {timeout:g} s"
    code = result[0]
    if not code:
        return None
    return _XCB_ERRORS.get(code, f"libxcb error {code}")


def platform_of(env: Mapping[str, str]) -> str:
    """The platform Qt will try: QT_QPA_PLATFORM's first entry, else xcb when
    DISPLAY is set, else wayland when WAYLAND_DISPLAY is, else xcb."""
    chosen = (env.get("QT_QPA_PLATFORM") or "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if not env.get("DISPLAY") and env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def display_problem(env: Mapping[str, str]) -> Problem | None:
    """Why no window can be shown with `env`'s display, or None."""
    platform = platform_of(env)
    if platform in HEADLESS_PLATFORMS:
        return None
    if platform.startswith("wayland"):
        name = env.get("WAYLAND_DISPLAY") or "wayland-0"
        sock = Path(name) if name.startswith("/") else Path(env.get("XDG_RUNTIME_DIR") or "/nonexistent") / name
        if sock.exists():
            return None
        return Problem(f"no Wayland compositor: {sock} does not exist", NO_DISPLAY_FIX)
    display = env.get("DISPLAY")
    if not display:
        return NO_DISPLAY
    why = x_connect_error(display)
    if why:
        return Problem(f"cannot connect to the X display '{display}': {why}", CANNOT_CONNECT_FIX)
    return None


def window_problems(env: Mapping[str, str]) -> list[Problem]:
    """Everything that keeps Qt from opening the window with `env` ([]: it
    can), checked before Qt starts.  The libraries come first: without libxcb
    the connection cannot even be tried."""
    platform = platform_of(env)
    if platform in HEADLESS_PLATFORMS:
        return []
    problems: list[Problem] = []
    if platform == "xcb" and shutil.which("ldd") is not None:
        plugin = xcb_plugin_path()
        libs = xcb_libraries_problem(plugin) if plugin is not None else None
        if libs is not None:
            problems.append(libs)
            if not env.get("DISPLAY"):
                problems.append(NO_DISPLAY)
            return problems
    problem = display_problem(env)
    if problem is not None:
        problems.append(problem)
    return problems
