#!/usr/bin/env bash
# Installs the portable Amethyst into your home folder (no root): the app in ~/.local/lib/amethyst, the
# command ~/.local/bin/amethyst, the menu entry and icons under ~/.local/share. `./install.sh --uninstall`
# removes them again; your data folder (~/.local/share/Amethyst) is kept either way.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${PREFIX:-$HOME/.local}"
apps="$prefix/share/applications"
icons="$prefix/share/icons/hicolor"
if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$prefix/lib/amethyst"
    rm -f "$prefix/bin/amethyst" "$apps/amethyst.desktop"
    find "$icons" -name 'amethyst.png' -delete 2>/dev/null || true
    rm -f "$icons/scalable/apps/amethyst.svg"
    echo "Amethyst was removed. Your data folder was kept."
    exit 0
fi
mkdir -p "$prefix/lib" "$prefix/bin" "$apps" "$icons"
rm -rf "$prefix/lib/amethyst"
cp -a "$here/amethyst" "$prefix/lib/amethyst"
ln -sf "$prefix/lib/amethyst/amethyst" "$prefix/bin/amethyst"
sed -e "s|^Exec=amethyst|Exec=$prefix/bin/amethyst|" -e "s|^TryExec=amethyst|TryExec=$prefix/bin/amethyst|" \
    "$here/amethyst.desktop" >"$apps/amethyst.desktop"
cp -r "$here/icons/." "$icons/"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
echo "Amethyst is installed: run $prefix/bin/amethyst or find it in your applications menu."
"$here/check-qt-libs.sh" --quiet || true
