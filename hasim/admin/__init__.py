"""The admin's side: `ha-manager` requests (`requests`) and what the real
command prints (`render`)."""
