#!/usr/bin/env bash
# Builds the Linux packages from the PyInstaller bundle in dist/amethyst:
#   dist/amethyst_<version>_<arch>.deb             (/opt/amethyst, /usr/bin/amethyst, .desktop, icons, metainfo)
#   dist/amethyst-<version>-linux-<machine>.tar.gz (the bundle, the .desktop file, icons and install.sh)
# Usage: PYTHON=.venv/bin/python installer/linux/build.sh   (after the bundle and build/icons exist)
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-.venv/bin/python}"
here=installer/linux
[ -x dist/amethyst/amethyst ] || { echo "dist/amethyst is missing: build the bundle first (make package)" >&2; exit 1; }
[ -d build/icons/hicolor ] || "$PYTHON" installer/icons.py build/icons

version="$("$PYTHON" -c 'from importlib.metadata import version; print(version("amethyst"))')"
arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
today="$(date -u +%Y-%m-%d)"

# --- .deb --------------------------------------------------------------------------------------------
stage="build/deb/amethyst_${version}_${arch}"
rm -rf "$stage" && mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/metainfo" "$stage/usr/share/icons"
cp -a dist/amethyst "$stage/opt/amethyst"
printf '#!/bin/sh\nexec /opt/amethyst/amethyst "$@"\n' >"$stage/usr/bin/amethyst"
chmod 755 "$stage/usr/bin/amethyst"
install -m 644 "$here/amethyst.desktop" "$stage/usr/share/applications/amethyst.desktop"
cp -r build/icons/hicolor "$stage/usr/share/icons/hicolor"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$today/" "$here/amethyst.metainfo.xml.in" \
    >"$stage/usr/share/metainfo/com.amethyst.Amethyst.metainfo.xml"
glibc="$(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')"
depends="libc6 (>= ${glibc:-2.31}), libglib2.0-0t64 | libglib2.0-0"
for package in $(grep -v '^#' "$here/qt-libs.tsv" | cut -f2 | awk 'NF' | sort -u); do depends="$depends, $package"; done
cat >"$stage/DEBIAN/control" <<CONTROL
Package: amethyst
Version: $version
Architecture: $arch
Maintainer: Amethyst <amethyst@localhost>
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: $depends
Section: utils
Priority: optional
Description: Desktop AI studio: models, chat, images, builder and billing
 Amethyst brings a marketplace of AI models, streamed chat with many providers,
 image generation with a gallery, a small-model builder and billing together in
 one window. Settings, databases and the gallery live in the user's data folder,
 which removing the package keeps.
CONTROL
for script in postinst postrm; do
    cat >"$stage/DEBIAN/$script" <<'HOOK'
#!/bin/sh
set -e
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
HOOK
    chmod 755 "$stage/DEBIAN/$script"
done
deb="dist/amethyst_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1))"

# --- portable tar.gz ---------------------------------------------------------------------------------
name="amethyst-${version}-linux-$(uname -m)"
tree="build/tar/$name"
rm -rf "$tree" && mkdir -p "$tree"
cp -al dist/amethyst "$tree/amethyst" 2>/dev/null || cp -a dist/amethyst "$tree/amethyst"
cp -r build/icons/hicolor "$tree/icons"
install -m 644 "$here/amethyst.desktop" "$here/qt-libs.tsv" "$tree/"
install -m 755 "$here/install.sh" "$here/check-qt-libs.sh" "$tree/"
tar -C build/tar -czf "dist/$name.tar.gz" "$name"
echo "built dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1))"
