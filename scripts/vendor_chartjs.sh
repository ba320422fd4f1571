#!/bin/sh
# Fetch Chart.js from the npm registry into static/vendor/chartjs/, where the portal serves it itself
# (no CDN: government intranets are often offline). Usage: scripts/vendor_chartjs.sh [VERSION]
# Without VERSION it re-fetches the version recorded in static/vendor/chartjs/VERSION and checks that the
# bytes are the same as the ones committed.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST="$ROOT/static/vendor/chartjs"
RECORDED=$(sed -n 's/^version: //p' "$DEST/VERSION" 2>/dev/null || true)
VERSION="${1:-${RECORDED:-4.6.1}}"
EXPECTED=$(sed -n 's/^sha256 chart.umd.min.js: //p' "$DEST/VERSION" 2>/dev/null || true)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# npm pack checks the tarball against the registry's integrity hash before writing it.
npm pack --silent "chart.js@$VERSION" >/dev/null
tar -xzf "chart.js-$VERSION.tgz"
ACTUAL=$(sha256sum package/dist/chart.umd.min.js | cut -d' ' -f1)
if [ -z "${1:-}" ] && [ -n "$EXPECTED" ] && [ "$ACTUAL" != "$EXPECTED" ]; then
    echo "chart.js $VERSION from npm differs from the recorded digest ($ACTUAL != $EXPECTED)" >&2
    exit 1
fi

mkdir -p "$DEST"
cp package/dist/chart.umd.min.js "$DEST/chart.umd.min.js"
cp package/LICENSE.md "$DEST/LICENSE.md"
cat > "$DEST/VERSION" <<INFO
package: chart.js
version: $VERSION
source: npm registry, npm pack chart.js@$VERSION (dist/chart.umd.min.js, LICENSE.md)
sha256 chart.umd.min.js: $ACTUAL
INFO
echo "static/vendor/chartjs: chart.js $VERSION ($ACTUAL)"
