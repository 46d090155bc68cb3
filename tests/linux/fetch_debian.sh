#!/bin/sh
# fetch_debian.sh CACHE_DIR
# Fetches Debian 12's i386 kernels and static busybox into CACHE_DIR:
#   vmlinuz-686, vmlinuz-686-pae   from the packages the linux-image-686 and
#                                  linux-image-686-pae metapackages name
#   busybox                        from busybox-static
# and prints their package versions. apt runs on package lists of its own
# under CACHE_DIR/apt (architecture i386 only), so the host's apt
# configuration is left as it is and root is not needed. Files already in
# CACHE_DIR are kept: delete them to fetch the current versions.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: fetch_debian.sh CACHE_DIR" >&2
    exit 2
fi
mkdir -p "$1"
cache=$(cd "$1" && pwd)
if [ -s "$cache/vmlinuz-686" ] && [ -s "$cache/vmlinuz-686-pae" ] && [ -s "$cache/busybox" ] &&
    [ -s "$cache/versions" ]; then
    cat "$cache/versions"
    exit 0
fi
for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null ||
        { echo "fetch_debian.sh: needs $tool (a Debian system)" >&2; exit 1; }
done

apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
apt_opts="-o APT::Architecture=i386 -o APT::Architectures=i386
 -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir
 -o Dir::State::status=/dev/null -o Debug::NoLocking=1"
# One index failing (a mirror mid-sync) is not fatal: the look-ups below
# say whether what is needed was found.
# shellcheck disable=SC2086
apt-get -q $apt_opts update >"$apt_dir/update.log" 2>&1 ||
    echo "fetch_debian.sh: apt-get update reported errors (see $apt_dir/update.log)" >&2

# The real package behind a metapackage: its linux-image-<version> dependency.
resolve() {
    # shellcheck disable=SC2086
    apt-cache $apt_opts depends "$1" 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}
k686=$(resolve linux-image-686)
kpae=$(resolve linux-image-686-pae)
if [ -z "$k686" ] || [ -z "$kpae" ]; then
    echo "fetch_debian.sh: cannot resolve linux-image-686 / linux-image-686-pae (see $apt_dir/update.log)" >&2
    exit 1
fi

debs=$(mktemp -d)
trap 'rm -rf "$debs"' EXIT
# apt drops to its _apt user for downloads when run as root.
chmod 777 "$debs"
# shellcheck disable=SC2086
(cd "$debs" && apt-get -q $apt_opts download "$k686" "$kpae" busybox-static) ||
    { echo "fetch_debian.sh: apt-get download failed" >&2; exit 1; }

# extract DEB MEMBER DEST: one file of a package.
extract() {
    dir=$(mktemp -d "$debs/x.XXXXXX")
    dpkg-deb --fsys-tarfile "$1" | tar -x -C "$dir" --wildcards "$2"
    # shellcheck disable=SC2086
    set -- "$dir"/$2 "$3"
    [ -f "$1" ] || { echo "fetch_debian.sh: no $1 in the package" >&2; exit 1; }
    cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}
extract "$debs/${k686}_"*.deb './boot/vmlinuz-*' "$cache/vmlinuz-686"
extract "$debs/${kpae}_"*.deb './boot/vmlinuz-*' "$cache/vmlinuz-686-pae"
extract "$debs/busybox-static_"*.deb './bin/busybox' "$cache/busybox"
chmod 755 "$cache/busybox"
for deb in "$debs"/*.deb; do
    dpkg-deb --showformat='${Package} ${Version}\n' -W "$deb"
done >"$cache/versions"
cat "$cache/versions"
