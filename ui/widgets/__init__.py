"""Widgets of the main window; each is a view over a model or a snapshot."""
