"""Sessions: what a user did, recorded (`recorder`), re-run (`replay`) and
exported as a scenario for the real tester (`export`)."""
