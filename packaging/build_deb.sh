#!/bin/bash
# Build the kiosk-locker Debian package with dpkg-deb (`make deb`): the committed application
# under /opt/kiosk-locker/app, its Python dependencies in a virtual environment at
# /opt/kiosk-locker/venv (made with Debian's python3.11, so it runs on Debian 12 as is), the site
# file as a conffile, systemd units, the udev rule and the maintainer scripts. The only network
# use is pip fetching the dependencies from the package index (its cache makes rebuilds quick).
#
# Environment: DEB_PYTHON (default /usr/bin/python3.11), DEB_OUT (default build/deb),
# DEB_COMPRESS (dpkg-deb -Z: xz, gzip, zstd, none; default gzip, quick to build and install).
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${DEB_PYTHON:-/usr/bin/python3.11}
OUT=${DEB_OUT:-$ROOT/build/deb}
COMPRESS=${DEB_COMPRESS:-gzip}
PKG=$ROOT/packaging

command -v dpkg-deb >/dev/null || { echo "make deb: dpkg-deb is missing (apt-get install dpkg-dev)" >&2; exit 2; }
[ -x "$PY" ] || { echo "make deb: $PY is missing (apt-get install python3.11-venv)" >&2; exit 2; }

VERSION=$("$PY" -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' \
    "$ROOT/pyproject.toml")
ARCH=$(dpkg --print-architecture)
STAGE=$OUT/kiosk-locker_${VERSION}_${ARCH}
DEB=$OUT/kiosk-locker_${VERSION}_${ARCH}.deb
APP=$STAGE/opt/kiosk-locker/app
VENV=$STAGE/opt/kiosk-locker/venv

rm -rf "$STAGE" "$DEB"
mkdir -p "$APP" "$STAGE/DEBIAN"

echo "== application (committed files) -> /opt/kiosk-locker/app"
(cd "$ROOT" && git ls-files -z -- common drivers kiosk locker queueing doctor uplink hub assets config \
    'docs/*.md' run_kiosk.py pyproject.toml README.md | xargs -0 cp --parents -t "$APP")

echo "== Python dependencies -> /opt/kiosk-locker/venv"
"$PY" -m venv "$VENV"
"$PY" -c 'import tomllib,sys; print("\n".join(tomllib.load(open(sys.argv[1],"rb"))["project"]["dependencies"]))' \
    "$ROOT/pyproject.toml" > "$OUT/requirements.txt"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile -r "$OUT/requirements.txt"
# The venv was made at $VENV: point its scripts and pyvenv.cfg at where it is installed.
grep -rlI --null "$STAGE" "$VENV/bin" "$VENV/pyvenv.cfg" | xargs -0 -r sed -i "s#$STAGE##g"
find "$STAGE" -name __pycache__ -type d -prune -exec rm -rf {} +
find "$VENV" -name .gitignore -delete
# Wheels mark data files and shared libraries executable; only scripts need the bit.
find "$VENV/lib" -type f -perm /111 -print0 | while IFS= read -r -d '' f; do
    [ "$(head -c 2 "$f")" = "#!" ] || chmod a-x "$f"
done

echo "== configuration, units, udev rule, commands, docs"
install -D -m 0644 "$PKG/site.toml" "$STAGE/etc/kiosk-locker/site.toml"
install -D -m 0644 "$PKG/debian/kiosk-locker-board.default" "$STAGE/etc/default/kiosk-locker-board"
for unit in "$PKG"/systemd/*; do
    install -D -m 0644 "$unit" "$STAGE/lib/systemd/system/$(basename "$unit")"
done
install -D -m 0644 "$PKG/debian/60-kiosk-locker.rules" "$STAGE/lib/udev/rules.d/60-kiosk-locker.rules"
install -D -m 0755 "$PKG/debian/lockerctl" "$STAGE/usr/bin/lockerctl"
install -D -m 0755 "$PKG/debian/kiosk-doctor" "$STAGE/usr/bin/kiosk-doctor"
install -D -m 0755 "$PKG/debian/kiosk-queue" "$STAGE/usr/bin/kiosk-queue"
DOC=$STAGE/usr/share/doc/kiosk-locker
install -d "$DOC"
cat > "$DOC/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: kiosk-locker

Files: *
Copyright: Kiosk Locker contributors
License: Apache-2.0
 On Debian systems, the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

Files: opt/kiosk-locker/app/assets/fonts/*
Copyright: Google LLC (Noto Sans)
License: OFL-1.1
 See /opt/kiosk-locker/app/assets/fonts/README.md.

Files: opt/kiosk-locker/venv/*
Copyright: the authors of each Python distribution
License: various
 Each distribution's licence is in its *.dist-info directory.
EOF
printf 'kiosk-locker (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- Kiosk Locker maintainers <kiosk-locker@example.org>  %s\n' \
    "$VERSION" "$(cd "$ROOT" && git rev-parse --short HEAD)" "$(date -R -u -d @"$(cd "$ROOT" && git log -1 --format=%ct)")" \
    | gzip -9n > "$DOC/changelog.gz"  # a native package (no Debian revision)

echo "== control and maintainer scripts"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" "$PKG/debian/control.in" \
    > "$STAGE/DEBIAN/control"
install -m 0644 "$PKG/debian/conffiles" "$STAGE/DEBIAN/conffiles"
for script in preinst postinst prerm postrm; do
    install -m 0755 "$PKG/debian/$script" "$STAGE/DEBIAN/$script"
done

dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$STAGE" "$DEB" >/dev/null
echo "built $DEB ($(du -h "$DEB" | cut -f1))"
