#!/usr/bin/env bash
# The gousb build-tag path (cgo + libusb-1.0): vet and build it, and check
# that builds without the tag do not link libusb. Needs libusb-1.0-0-dev
# and pkg-config (Debian). Intended as `make test-gousb`.
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
if ! pkg-config --exists libusb-1.0 2>/dev/null; then
	if [ "${GOVISA_REQUIRE_GOUSB:-}" = 1 ]; then
		echo "check-gousb: libusb-1.0 development files missing (apt-get install libusb-1.0-0-dev pkg-config)" >&2
		exit 1
	fi
	echo "check-gousb: SKIP, no libusb-1.0 development files"
	exit 0
fi
echo "CGO_ENABLED=1 go vet -tags gousb ./transport/usbtmc/..."
CGO_ENABLED=1 $GO vet -tags gousb ./transport/usbtmc/...
CGO_ENABLED=1 $GO build -tags gousb ./...
# Without the tag (and without cgo) nothing may depend on gousb.
for t in linux/amd64 darwin/arm64 windows/amd64; do
	if CGO_ENABLED=0 GOOS=${t%/*} GOARCH=${t#*/} $GO list -deps ./... | grep -q 'github.com/google/gousb'; then
		echo "check-gousb: $t build without -tags gousb depends on gousb" >&2
		exit 1
	fi
done
if CGO_ENABLED=1 $GO list -deps ./... | grep -q 'github.com/google/gousb'; then
	echo "check-gousb: default cgo build depends on gousb" >&2
	exit 1
fi
echo "check-gousb: ok"
