#!/bin/sh
# Screenshots of the real window on a virtual X screen (Xvfb, through
# ../shared/tools/x11-traffic), at the sizes people open it at: a 1024x768
# screen, a 1920x1080 screen with QT_SCALE_FACTOR=1.5, and the presentation
# setup (zoom 1.5, the log full height).  The window fits the screen it opens
# on by itself; each shows the node-failure scenario 300 virtual seconds in
# (node2 lost power, fenced, its VMs recovered), paused (--advance does not run on).
# Usage: docs/screenshots/x11-shots.sh [DISPLAY_NUMBER]   (needs Xvfb, xdotool, ImageMagick)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tool="$repo/../shared/tools/x11-traffic"
disp=${1:-180}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shot() { # name geometry settings-ini extra-args...
    name=$1 geom=$2 ini=$3; shift 3
    printf '%b' "$ini" > "$tmp/$name.ini"
    "$tool" start -D "$disp" -g "$geom" -S "$tmp/x11" -e PYTHONPATH="$repo" -e HASIM_SETTINGS="$tmp/$name.ini" \
        "$@" python3 -m hasim gui --scenario node-failure --advance 300 > /dev/null
    sleep 8
    "$tool" shot -D "$disp" -S "$tmp/x11" "$here/$name.png"
    "$tool" stop -D "$disp" -S "$tmp/x11"
    echo "wrote $here/$name.png"
}

shot window-1024x768 1024x768x24 ""
shot window-1920x1080-scale1.5 1920x1080x24 "" -e QT_SCALE_FACTOR=1.5
shot presentation-log-full-height 1920x1080x24 "[view]\nlayout=log-right\nzoom=1.5\n"
