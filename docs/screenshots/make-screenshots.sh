#!/bin/sh
# Re-create the screenshots (1280x800, offscreen): make_shots.py opens each
# scenario (docs/screenshots/scenarios/ or a fresh copy of a shipped workshop
# scenario), drives virtual time, clicks what a person would click and saves
# the window.  Usage: make-screenshots.sh [NAME ...]  (default: all of them)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
python docs/screenshots/make_shots.py "$@"
