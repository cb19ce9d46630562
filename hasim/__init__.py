"""hasim: a deterministic simulator of the Proxmox VE HA stack.

The engine never imports Qt and never reads the wall clock; see DESIGN.md.
"""

__version__ = "0.1.0"
