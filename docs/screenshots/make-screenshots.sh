#!/bin/sh
# Re-create the screenshots with the headless render command (1280x800).
# Each scenario is copied to a temporary directory first (the run writes status/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shot() { # scenario seconds output [extra options]
    cp -r "$here/scenarios/$1" "$tmp/$1"
    python -m hasim gui "$tmp/$1" --offscreen --advance "$2" --screenshot "$here/$3" ${4:-}
}
shot node1-failure 400 main-window.png
cp -r "$here/scenarios/node1-failure" "$tmp/countdown"
python -m hasim gui "$tmp/countdown" --offscreen --advance 262 --screenshot "$here/fence-countdown.png"
shot maintenance 200 read-only-maintenance.png --read-only
shot two-hours 7200 two-hours.png
