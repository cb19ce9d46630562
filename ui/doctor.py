"""`hasim doctor`: check what the window needs and print the exact fix.

Checks, in order: PySide6 and pyqtgraph import (and the PySide6 version that
is known to work), a display (DISPLAY / WAYLAND_DISPLAY), the shared
libraries of Qt's xcb platform plugin (`ldd`; Qt's own error names only the
first missing one), the X11 tools for a virtual screen (Xvfb, xauth), and
MIT-SHM over ssh.  Each line says "ok", "warn" or "FAIL"; the exit status is
1 when something the window needs is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

KNOWN_GOOD_PYSIDE = "6.11.3"
BROKEN_PYSIDE = {"6.12.0": "aborts the interpreter in signal-emit loops on CPython 3.11"}

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


class Report:
    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout
        self.failed = False
        self.packages: list[str] = []

    def ok(self, msg: str) -> None:
        print(f"ok    {msg}", file=self.out)

    def warn(self, msg: str) -> None:
        print(f"warn  {msg}", file=self.out)

    def fail(self, msg: str) -> None:
        self.failed = True
        print(f"FAIL  {msg}", file=self.out)

    def fix(self, msg: str) -> None:
        print(f"      fix: {msg}", file=self.out)


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


def check_python_packages(r: Report) -> bool:
    try:
        import PySide6
    except ImportError as err:
        r.fail(f"PySide6 is not installed ({err})")
        r.fix(f"pip install 'PySide6-Essentials=={KNOWN_GOOD_PYSIDE}'")
        return False
    version = PySide6.__version__
    if version in BROKEN_PYSIDE:
        r.fail(f"PySide6 {version} {BROKEN_PYSIDE[version]}")
        r.fix(f"pip install 'PySide6-Essentials=={KNOWN_GOOD_PYSIDE}'")
    elif version != KNOWN_GOOD_PYSIDE:
        r.warn(f"PySide6 {version} (tested with {KNOWN_GOOD_PYSIDE})")
    else:
        r.ok(f"PySide6 {version}")
    try:
        import pyqtgraph
    except ImportError as err:
        r.fail(f"pyqtgraph is not installed ({err})")
        r.fix("pip install pyqtgraph")
    else:
        r.ok(f"pyqtgraph {pyqtgraph.__version__} (drawn without OpenGL)")
    return True


def check_display(r: Report, env) -> None:
    display, wayland = env.get("DISPLAY"), env.get("WAYLAND_DISPLAY")
    platform = env.get("QT_QPA_PLATFORM")
    if platform:
        r.ok(f"QT_QPA_PLATFORM={platform}")
    if display:
        r.ok(f"DISPLAY={display}")
    elif wayland:
        r.ok(f"WAYLAND_DISPLAY={wayland} (Qt uses X11 through XWayland if the wayland plugin is missing)")
    else:
        r.warn("no DISPLAY or WAYLAND_DISPLAY: the window cannot open here")
        r.fix("connect with `ssh -X host` (or -Y), or run a virtual screen: `xvfb-run -a hasim`; "
              "for pictures only: `hasim gui DIR --offscreen --advance 600 --screenshot out.png`")


def check_ssh(r: Report, env) -> None:
    if env.get("SSH_CONNECTION") or env.get("SSH_CLIENT"):
        if env.get("QT_XCB_NO_MITSHM") == "1":
            r.ok("over ssh with QT_XCB_NO_MITSHM=1 (MIT-SHM off)")
        else:
            r.warn("over ssh: X11 shared memory (MIT-SHM) cannot work through the tunnel; "
                   "Qt 6 reads QT_XCB_NO_MITSHM (QT_X11_NO_MITSHM is Qt 4's and ignored)")
            r.fix("export QT_XCB_NO_MITSHM=1   (hasim sets it itself when it starts over ssh)")
    else:
        r.ok("local session (no ssh): MIT-SHM is fine")


def check_xcb(r: Report) -> None:
    plugin = xcb_plugin_path()
    if plugin is None:
        r.warn("Qt's xcb platform plugin (libqxcb.so) was not found in the PySide6 package")
        return
    if shutil.which("ldd") is None:
        r.warn("ldd is not available: cannot check the xcb plugin's libraries")
        return
    paths = [plugin]
    integ = plugin.parent.parent / "xcbglintegrations"
    if integ.is_dir():
        paths.extend(sorted(integ.glob("*.so")))
    qt_lib = plugin.parent.parent.parent / "lib" / "libQt6XcbQpa.so.6"
    if qt_lib.exists():
        paths.append(qt_lib)
    missing = missing_libraries(paths)
    qt_own = [m for m in missing if m.startswith("libQt6") or m.startswith("libpyside") or m.startswith("libshiboken")]
    missing = [m for m in missing if m not in qt_own]
    if not missing:
        r.ok(f"all libraries of the xcb platform plugin are installed ({plugin.name})")
        return
    packages = sorted({XCB_PACKAGES.get(m, m) for m in missing})
    r.fail("the X11 (xcb) platform plugin cannot load; missing: " + ", ".join(missing))
    r.fix("apt-get install -y " + " ".join(packages))
    r.packages.extend(packages)


def check_virtual_screen(r: Report) -> None:
    tools = {"Xvfb": "xvfb", "xauth": "xauth"}
    missing = [pkg for tool, pkg in tools.items() if shutil.which(tool) is None]
    if missing:
        r.warn("no virtual X screen for tests and headless X11 runs (" + ", ".join(missing) + " missing)")
        r.fix("apt-get install -y " + " ".join(missing) + "   (optional: only for `xvfb-run` and the X11 test)")
    else:
        r.ok("Xvfb and xauth are installed (virtual X screen available)")


def main(env=None, out=None) -> int:
    env = os.environ if env is None else env
    r = Report(out)
    print("hasim doctor: checking what the simulator window needs", file=r.out)
    if check_python_packages(r):
        check_xcb(r)
    check_display(r, env)
    check_ssh(r, env)
    check_virtual_screen(r)
    if r.failed:
        if r.packages:
            print("\nTo fix the X11 libraries in one go (Debian/Ubuntu):", file=r.out)
            print("  apt-get install -y " + " ".join(sorted(set(r.packages))), file=r.out)
        print("Some checks failed; the window may not start. Headless pictures still work with --offscreen.",
              file=r.out)
        return 1
    print("Everything the window needs is in place.", file=r.out)
    return 0
