"""The explorer's defaults, apart so that the CLI can show them without loading it."""

DEFAULT_DURATION = 2400  # seconds of faults before healing
SHRINK_BUDGET = 300  # replays allowed per shrink
