#!/bin/sh
# Copies what the runtime image needs into DEST, laid out as the image's root:
#   DEST/usr/local/bin/berth                   the binary
#   DEST/<its folder>/libX.so.N                every shared library `ldd` lists for it, in the
#                                              folder it is in here (links resolved), except
#                                              glibc's own (libc, libm, the loader...), which
#                                              the base image has
#   DEST/etc/ssl/certs/ca-certificates.crt     the CA bundle, when there is one (for https
#                                              webhooks: --webhook-ca-file names it)
#   DEST/usr/local/bin/berth-healthcheck       the HEALTHCHECK probe
# The libraries must come from the same Debian release as the runtime base image (the build
# stage uses the same BASE; for the prebuilt target, build berth on that release).
# Usage: stage-runtime.sh BINARY DEST
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 BINARY DEST" >&2
  exit 2
fi
binary=$1
dest=$2
here=$(dirname "$0")
[ -x "$binary" ] || { echo "$0: $binary is not an executable file" >&2; exit 1; }
mkdir -p "$dest/usr/local/bin"
cp "$binary" "$dest/usr/local/bin/berth"
strip --strip-unneeded "$dest/usr/local/bin/berth" 2>/dev/null || true
cp "$here/healthcheck.sh" "$dest/usr/local/bin/berth-healthcheck"
chmod 0755 "$dest/usr/local/bin/berth" "$dest/usr/local/bin/berth-healthcheck"
if ldd "$binary" | grep -q "not found"; then
  echo "$0: $binary needs libraries this system lacks:" >&2
  ldd "$binary" | grep "not found" >&2
  exit 1
fi
# "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)": the path after "=>".
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|ld-linux*) continue ;;
  esac
  # The real folder: under merged /usr, /lib is a link to usr/lib, and copying a lib/ folder
  # onto the image's root would replace that link.
  dir=$(readlink -f "$(dirname "$lib")")
  mkdir -p "$dest$dir"
  cp -L "$lib" "$dest$dir/$(basename "$lib")"
done
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$dest/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/ca-certificates.crt"
fi
