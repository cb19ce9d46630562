"""Sessions: what a user did, re-run (`replay`) and exported as a scenario for
the real tester (`export`).  The session file itself — lossless entries
written as they happen — belongs to the working directory
(`hasim.workdir.session_file`)."""
