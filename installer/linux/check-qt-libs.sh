#!/usr/bin/env bash
# Checks that the system libraries Qt's xcb platform needs are installed (Linux only). Without them the
# app aborts with Qt's "could not load the Qt platform plugin xcb". Prints the exact install line and
# exits 1 when some are missing. Usage: installer/linux/check-qt-libs.sh [--quiet]
set -euo pipefail
[ "$(uname -s)" = "Linux" ] || exit 0
case "${QT_QPA_PLATFORM:-}" in offscreen*|minimal*|wayland*) exit 0 ;; esac
table="$(dirname "$0")/qt-libs.tsv"
known="$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true) | awk '{print $1}')"
deb="" rpm=""
while IFS=$'\t' read -r soname debian fedora; do
    case "$soname" in ''|\#*) continue ;; esac
    if ! grep -qxF "$soname" <<<"$known"; then
        deb="$deb $debian"
        case " $rpm " in *" $fedora "*) ;; *) rpm="$rpm $fedora" ;; esac
    fi
done <"$table"
if [ -n "$deb" ]; then
    echo "Amethyst needs system libraries that are missing for Qt's X11 (xcb) platform. Install them with:" >&2
    echo "  Debian/Ubuntu:  sudo apt install$deb" >&2
    echo "  Fedora/RHEL:    sudo dnf install$rpm" >&2
    exit 1
fi
[ "${1:-}" = "--quiet" ] || echo "Qt's system libraries are installed."
