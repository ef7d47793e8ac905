#!/bin/sh
# Extracts Debian's kernel and the USB modules the VM test needs into a cache
# directory (default $HOME/.cache/govisa-usbvm); nothing goes into git.
# Needs apt (Debian/Ubuntu); run as a user that may call apt-get download.
set -eu
CACHE=${GOVISA_USBVM_CACHE:-$HOME/.cache/govisa-usbvm}
MODS="usb-common usbcore udc-core configfs libcomposite usb_f_fs dummy_hcd usbtmc"
mkdir -p "$CACHE"
cd "$CACHE"
if [ -f vmlinuz ] && [ -f modules/usbtmc.ko ]; then
	exit 0
fi
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$pkg" ] || { echo "fetch-kernel: no linux-image package found" >&2; exit 1; }
rm -rf dl root && mkdir dl
(cd dl && apt-get download "$pkg")
dpkg-deb -x dl/*.deb root
cp root/boot/vmlinuz-* vmlinuz
mkdir -p modules
for m in $MODS; do
	f=$(find root/lib/modules -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || { echo "fetch-kernel: module $m not found" >&2; exit 1; }
	case "$f" in
	*.xz) xz -dc "$f" >"modules/$m.ko" ;;
	*.zst) zstd -dc "$f" >"modules/$m.ko" ;;
	*) cp "$f" "modules/$m.ko" ;;
	esac
done
rm -rf dl root
echo "$CACHE"
