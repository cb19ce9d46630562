"""Dialogs: add service, migrate/relocate, edit service, rules & groups editor.

Each dialog validates what the user typed and shows the problem next to the
field (the OK button stays disabled); it returns commands or configuration
files for the controller, it never touches the engine itself.
"""
