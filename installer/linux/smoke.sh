#!/usr/bin/env bash
# Starts an installed Amethyst offscreen on a fresh data folder with --smoke-test and checks its verdict:
# the window shown, the cache database migrated, the embedded Studio API answering, every place built,
# and the process gone within 10 s of its quit. Usage: installer/linux/smoke.sh [/usr/bin/amethyst]
set -euo pipefail
command="${1:-/usr/bin/amethyst}"
data="$(mktemp -d)"
out="$data.out"
trap 'rm -rf "$data" "$out"' EXIT
QT_QPA_PLATFORM=offscreen timeout 120 "$command" --data-dir "$data" --smoke-test >"$out" 2>&1 &
pid=$!
while ! grep -q '^SMOKE ' "$out" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$out"; echo "smoke: the app ended without a verdict" >&2; exit 1; }
    sleep 0.2
done
asked=$(date +%s%N)
rc=0
wait "$pid" || rc=$?
exit_ms=$(( ($(date +%s%N) - asked) / 1000000 ))
grep '^SMOKE ' "$out"
[ "$rc" = 0 ] || { cat "$out"; echo "smoke: exit code $rc" >&2; exit 1; }
grep -q '"ok": true' "$out" || { echo "smoke: a check failed" >&2; exit 1; }
[ -s "$data/amethyst.db" ] || { echo "smoke: no cache database" >&2; exit 1; }
[ "$exit_ms" -le 10000 ] || { echo "smoke: exit took ${exit_ms} ms (limit 10 s)" >&2; exit 1; }
echo "smoke: passed; clean exit ${exit_ms} ms after the quit"
