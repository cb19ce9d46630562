"""The simulator window (PySide6; the timeline and the log are painted widgets) over the hasim engine.

The window is a view: `controller.Controller` owns the `hasim.simulation.Simulation`
and one QTimer; models turn snapshots into Qt item models; widgets and dialogs only
read snapshots and send commands through the controller.
"""
