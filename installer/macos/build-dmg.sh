#!/usr/bin/env bash
# NOT RUN HERE (needs macOS): wraps the PyInstaller bundle into Amethyst.app and a .dmg.
#   PYTHON=.venv/bin/python installer/macos/build-dmg.sh      (after `make package` built dist/amethyst)
# Signing and notarization run only when their credentials are set, otherwise they are skipped:
#   AMETHYST_CODESIGN_IDENTITY="Developer ID Application: …"   codesign --deep --options runtime
#   AMETHYST_NOTARY_PROFILE=<keychain profile of `xcrun notarytool store-credentials`>
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-.venv/bin/python}"
version="$("$PYTHON" -c 'from importlib.metadata import version; print(version("amethyst"))')"
app="build/macos/Amethyst.app"
rm -rf "$app" && mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp -a dist/amethyst/. "$app/Contents/MacOS/"
cp build/icons/amethyst.icns "$app/Contents/Resources/amethyst.icns"
cat >"$app/Contents/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>CFBundleName</key><string>Amethyst</string>
  <key>CFBundleIdentifier</key><string>com.amethyst.desktop</string>
  <key>CFBundleExecutable</key><string>amethyst</string>
  <key>CFBundleIconFile</key><string>amethyst.icns</string>
  <key>CFBundleShortVersionString</key><string>$version</string>
  <key>CFBundleVersion</key><string>$version</string>
  <key>CFBundlePackageType</key><string>APPL</string>
  <key>LSMinimumSystemVersion</key><string>11.0</string>
  <key>NSHighResolutionCapable</key><true/>
</dict></plist>
PLIST
if [ -n "${AMETHYST_CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --timestamp --sign "$AMETHYST_CODESIGN_IDENTITY" "$app"
else
    echo "codesign skipped: AMETHYST_CODESIGN_IDENTITY is not set"
fi
dmg="dist/amethyst-$version-macos.dmg"
rm -f "$dmg"
hdiutil create -volname "Amethyst $version" -srcfolder "$app" -ov -format UDZO "$dmg"
if [ -n "${AMETHYST_CODESIGN_IDENTITY:-}" ] && [ -n "${AMETHYST_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$AMETHYST_NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
else
    echo "notarization skipped: needs AMETHYST_CODESIGN_IDENTITY and AMETHYST_NOTARY_PROFILE"
fi
echo "built $dmg"
