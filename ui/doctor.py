"""`hasim doctor`: check what the window needs and print the exact fix.

Checks, in order: PySide6 and pyqtgraph import (and the PySide6 version that
is known to work), the shared libraries of Qt's xcb platform plugin (`ldd`;
Qt's own error names only the first missing one), a display that answers
(DISPLAY / WAYLAND_DISPLAY, connected to as Qt connects), MIT-SHM over ssh,
and the X11 tools for a virtual screen (Xvfb, xauth).  Each line says "ok",
"warn" or "FAIL"; the exit status is 1 when something the window needs is
missing, and the last line then says the window cannot open here — never
"everything is in place".  The library and display findings are
`ui.prerequisites`', the same that `hasim` checks before Qt starts.
"""

from __future__ import annotations

import os
import shutil
import sys

from ui import prerequisites as pre

KNOWN_GOOD_PYSIDE = "6.11.3"
BROKEN_PYSIDE = {"6.12.0": "aborts the interpreter in signal-emit loops on CPython 3.11"}


class Report:
    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout
        self.failed = False
        self.warnings = 0
        self.packages: list[str] = []

    def ok(self, msg: str) -> None:
        print(f"ok    {msg}", file=self.out)

    def warn(self, msg: str) -> None:
        self.warnings += 1
        print(f"warn  {msg}", file=self.out)

    def fail(self, msg: str) -> None:
        self.failed = True
        print(f"FAIL  {msg}", file=self.out)

    def fix(self, msg: str) -> None:
        print(f"      fix: {msg}", file=self.out)

    def problem(self, problem: pre.Problem) -> None:
        self.fail(problem.what)
        self.fix(problem.fix)
        self.packages.extend(problem.packages)


def check_python_packages(r: Report) -> bool:
    try:
        import PySide6
    except ImportError as err:
        r.fail(f"PySide6 is not installed ({err})")
        r.fix(f"{sys.executable} -m pip install 'PySide6-Essentials=={KNOWN_GOOD_PYSIDE}'")
        return False
    version = PySide6.__version__
    if version in BROKEN_PYSIDE:
        r.fail(f"PySide6 {version} {BROKEN_PYSIDE[version]}")
        r.fix(f"{sys.executable} -m pip install 'PySide6-Essentials=={KNOWN_GOOD_PYSIDE}'")
    elif version != KNOWN_GOOD_PYSIDE:
        r.warn(f"PySide6 {version} (tested with {KNOWN_GOOD_PYSIDE})")
    else:
        r.ok(f"PySide6 {version}")
    try:
        import pyqtgraph
    except ImportError as err:
        r.fail(f"pyqtgraph is not installed ({err})")
        r.fix(f"{sys.executable} -m pip install pyqtgraph")
    else:
        r.ok(f"pyqtgraph {pyqtgraph.__version__} (drawn without OpenGL)")
    return True


def check_display(r: Report, env) -> None:
    platform = env.get("QT_QPA_PLATFORM")
    if platform:
        r.ok(f"QT_QPA_PLATFORM={platform}")
    problem = pre.display_problem(env)
    if problem is not None:
        r.problem(problem)
    elif pre.platform_of(env) in pre.HEADLESS_PLATFORMS:
        r.ok(f"the '{pre.platform_of(env)}' platform needs no display (nothing is shown on a screen)")
    elif env.get("DISPLAY") and pre.platform_of(env) == "xcb":
        r.ok(f"DISPLAY={env['DISPLAY']} (the X server accepts a connection)")
    else:
        r.ok(f"WAYLAND_DISPLAY={env.get('WAYLAND_DISPLAY')} (its socket exists)")


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
    plugin = pre.xcb_plugin_path()
    if plugin is None:
        r.warn("Qt's xcb platform plugin (libqxcb.so) was not found in the PySide6 package")
        return
    if shutil.which("ldd") is None:
        r.warn("ldd is not available: cannot check the xcb plugin's libraries")
        return
    problem = pre.xcb_libraries_problem(plugin, with_gl=True)
    if problem is None:
        r.ok(f"all libraries of the xcb platform plugin are installed ({plugin.name})")
    else:
        r.problem(problem)


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
        print("Some checks FAILED: the window cannot open here until they are fixed. "
              "Headless pictures still work with --offscreen.", file=r.out)
        return 1
    optional = ""
    if r.warnings:
        optional = f" ({r.warnings} warning{'s' if r.warnings != 1 else ''} above: worth a look, not needed)"
    print(f"Everything the window needs is in place{optional}.", file=r.out)
    return 0
