"""The kernel: the run loop, the daemons and the simulated world; no I/O.

Nothing in here reads or writes files, reads the wall clock or imports a
module outside `hasim.engine` other than the base vocabulary (errors, log,
jsondata, formats).  The facade (`hasim.simulation`) is its only door.
"""
