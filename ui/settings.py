"""What the window remembers between runs: size, splitters, zoom, layout, refresh.

One QSettings file (INI), in the user's configuration directory
(`~/.config/hasim/window.ini`), or the file named by HASIM_SETTINGS (tests,
a workshop's shared setup).  Values are read with their defaults and
checked: a hand-edited or foreign value never breaks the window.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

from ui.display import REFRESH_CHOICES

LAYOUTS = ("classic", "log-right")  # log below the timeline | log full height on the right
MIN_ZOOM, MAX_ZOOM = 0.7, 3.0


class Settings:
    """`remember=False`: the defaults, and nothing written (headless screenshots)."""

    def __init__(self, path: str | None = None, *, remember: bool = True) -> None:
        path = path or os.environ.get("HASIM_SETTINGS")
        if not remember:
            self._qs = None
        elif path:
            self._qs = QSettings(path, QSettings.Format.IniFormat)
        else:
            self._qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "hasim", "window")

    def _get(self, key: str, default=None):
        return default if self._qs is None else self._qs.value(key, default)

    def _set(self, key: str, value) -> None:
        if self._qs is not None:
            self._qs.setValue(key, value)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._get(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # -- geometry -----------------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def set_geometry(self, data: QByteArray) -> None:
        self._set("window/geometry", data)

    def splitter(self, name: str) -> QByteArray | None:
        return self._bytes(f"splitters/{name}")

    def set_splitter(self, name: str, data: QByteArray) -> None:
        self._set(f"splitters/{name}", data)

    def forget_splitter(self, name: str) -> None:
        if self._qs is not None:
            self._qs.remove(f"splitters/{name}")

    # -- presentation -------------------------------------------------------------------------------
    def zoom(self) -> float:
        try:
            value = float(self._get("view/zoom", 1.0))
        except (TypeError, ValueError):
            return 1.0
        return min(MAX_ZOOM, max(MIN_ZOOM, value))

    def set_zoom(self, zoom: float) -> None:
        self._set("view/zoom", float(zoom))

    def layout(self) -> str:
        value = self._get("view/layout", LAYOUTS[0])
        return value if value in LAYOUTS else LAYOUTS[0]

    def set_layout(self, layout: str) -> None:
        self._set("view/layout", layout)

    def refresh(self) -> str:
        value = self._get("view/refresh", "auto")
        return value if value in REFRESH_CHOICES else "auto"

    def set_refresh(self, choice: str) -> None:
        self._set("view/refresh", choice)

    def sync(self) -> None:
        if self._qs is not None:
            self._qs.sync()
