#!/usr/bin/env bash
# Builds the Debian package of PeerLedger: a release binary with the Swift runtime linked
# statically (so the machine it is installed on needs no Swift toolchain), the systemd unit, the
# example configuration as the conffile /etc/peerledger/peerledger.toml, the man page, and the
# maintainer scripts that create the peerledger user and its ledger folder.
#
# Usage: dist/build-deb.sh [OUTPUT_DIRECTORY]     (default: .build/dist)
# The last line it prints is the path of the .deb. Needs swift, dpkg-deb and dpkg-shlibdeps
# (package dpkg-dev). The package's version is the binary's own (Release.version in the source).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "build-deb.sh: $*" >&2
    exit 1
}

output=${1:-.build/dist}
for tool in swift dpkg-deb dpkg-shlibdeps gzip ldd strip; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (dpkg-deb and dpkg-shlibdeps: apt-get install dpkg-dev)"
done
# Checked before the long build, so a missing piece costs seconds, not a release build.
for file in dist/peerledger.service dist/peerledger.1 dist/deb/postinst dist/deb/prerm dist/deb/postrm LICENSE; do
    [ -f "$file" ] || fail "$file is missing"
done
[ -f dist/peerledger.toml.example ] ||
    fail "dist/peerledger.toml.example is missing: the package installs it as /etc/peerledger/peerledger.toml, so there is no package without it"

build=(swift build -c release --product peerledger --static-swift-stdlib)
echo "build-deb.sh: ${build[*]}" >&2
started=$SECONDS
# The compiler's progress goes to standard error, keeping standard output for the package's path.
"${build[@]}" >&2 || fail "the release build failed"
echo "build-deb.sh: release build took $((SECONDS - started)) s" >&2
binary="$("${build[@]}" --show-bin-path)/peerledger"
[ -x "$binary" ] || fail "the build reported success but $binary is not there"

# "peerledger 0.2.0 (commit 1a2b3c4)": the package's version is the binary's.
line=$("$binary" --version) || fail "$binary --version failed"
version=$(sed -nE 's/^peerledger ([^ ]+) \(commit ([0-9a-f]+|unknown)\)$/\1/p' <<<"$line")
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || fail "cannot read a Debian version from '$line'"
architecture=$(dpkg --print-architecture)

# A Swift library still linked dynamically would be missing on a machine without the toolchain.
if ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime|not found' >&2; then
    fail "$binary still needs the libraries above at run time; --static-swift-stdlib should have linked them in"
fi

root=$(mktemp -d)
scratch=$(mktemp -d)
trap 'rm -rf "$root" "$scratch"' EXIT
chmod 0755 "$root"

install -d "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/peerledger" "$root/usr/share/man/man1" \
    "$root/usr/share/doc/peerledger" "$root/DEBIAN"
# Without debug information (DWARF, most of its size) but with its symbol table, so a crash's
# backtrace still names functions.
strip --strip-debug -o "$root/usr/bin/peerledger" "$binary"
chmod 0755 "$root/usr/bin/peerledger"
install -m 0644 dist/peerledger.service "$root/lib/systemd/system/peerledger.service"
install -m 0644 dist/peerledger.toml.example "$root/etc/peerledger/peerledger.toml"
sed -E '/^\.TH /s/"PeerLedger"/"PeerLedger '"$version"'"/' dist/peerledger.1 | gzip -9n >"$root/usr/share/man/man1/peerledger.1.gz"
{
    echo "PeerLedger, packaged from its source tree."
    echo
    cat LICENSE
} >"$root/usr/share/doc/peerledger/copyright"
chmod 0644 "$root/usr/share/doc/peerledger/copyright"
install -m 0755 dist/deb/postinst dist/deb/prerm dist/deb/postrm "$root/DEBIAN/"
echo /etc/peerledger/peerledger.toml >"$root/DEBIAN/conffiles"

# Depends: the shared libraries the binary needs (libc, libsqlite3, the C++ runtime ...), each
# with the lowest version that has every symbol it uses, as dpkg-shlibdeps reads them from ldd's
# packages; adduser for postinst.
mkdir "$scratch/debian"
printf 'Source: peerledger\n\nPackage: peerledger\nArchitecture: any\n' >"$scratch/debian/control"
libraries=$(cd "$scratch" && dpkg-shlibdeps -O "$root/usr/bin/peerledger" | sed -n 's/^shlibs:Depends=//p') ||
    fail "dpkg-shlibdeps could not find the packages of the binary's libraries"
[[ "$libraries" == *libsqlite3-0* ]] || fail "the binary should need libsqlite3-0; dpkg-shlibdeps found: $libraries"

cat >"$root/DEBIAN/control" <<EOF
Package: peerledger
Version: $version
Architecture: $architecture
Maintainer: The PeerLedger authors <maintainers@peerledger.invalid>
Section: net
Priority: optional
Depends: $libraries, adduser
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Description: event-sourced peering ledger serving 6connect ProVision's APIv1
 PeerLedger keeps a network's peering record: its presence at Internet
 exchanges, the networks it peers with, the BGP sessions on its routers and
 what happened to each of them, as hash-chained events in an append-only
 SQLite log. It serves ProVision's HMAC-signed Peering APIv1, imports
 PeeringDB, sends peering requests by email and pushes BGP neighbors to FRR
 and BIRD routers.
 .
 This package runs the server as the systemd service peerledger, as the
 user peerledger, with its ledger in /var/lib/peerledger.
EOF

mkdir -p "$output"
package="$output/peerledger_${version}_${architecture}.deb"
dpkg-deb --build --root-owner-group "$root" "$package" >&2 || fail "dpkg-deb could not build $package"
echo "build-deb.sh: $line, Depends: $libraries, adduser" >&2
echo "$package"
