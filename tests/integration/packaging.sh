#!/bin/sh
# packaging.sh — the single-machine packaging (issue 17, "Running it"): the systemd
# unit passes `systemd-analyze verify` without a warning and carries its sandboxing;
# packaging/build-deb, which `make deb` also runs, makes from the tested binary a .deb
# whose files, modes, owners, conffiles and control fields are what docs/deployment.md
# promises, whose Depends provide every library the binary links (dpkg -S), and which
# unpacks into a scratch root (dpkg --root --unpack: no maintainer scripts run, so
# nothing outside $T is touched) with the files in place.
# CTest sets REKISTERI (the binary) and RK_SOURCE_DIR.
set -u
: "${REKISTERI:?}" "${RK_SOURCE_DIR:?}"
. "$RK_SOURCE_DIR/tests/integration/lib.sh"
cd "$T" || exit 1
UNIT=$RK_SOURCE_DIR/packaging/rekisteri.service

# The unit: systemd's own verdict, with the packaged path swapped for the tested binary
# (verify insists the command exists). Unknown keys are only warned about: none allowed.
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir verify
    sed "s#/usr/bin/rekisteri#$REKISTERI#g" "$UNIT" >verify/rekisteri.service
    if systemd-analyze verify --man=no verify/rekisteri.service >verify.out 2>&1 &&
        [ ! -s verify.out ]; then ok; else bad "systemd-analyze verify: $(head -5 verify.out)"; fi
else
    echo "packaging: no systemd-analyze here; the unit's keys are checked below only"
fi
# The keys the deployment relies on, each once and with its value.
for kv in User=rekisteri StateDirectory=rekisteri StateDirectoryMode=0700 UMask=0077 \
    EnvironmentFile=-/etc/default/rekisteri ExecStartPre=/usr/bin/rekisteri\ init \
    Restart=on-failure ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    PrivateDevices=yes NoNewPrivileges=yes ProtectKernelTunables=yes \
    ProtectKernelModules=yes ProtectControlGroups=yes RestrictNamespaces=yes \
    LockPersonality=yes MemoryDenyWriteExecute=yes SystemCallFilter=@system-service \
    CapabilityBoundingSet= "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"; do
    n=$(grep -cxF -- "$kv" "$UNIT")
    [ "$n" = 1 ] && ok || bad "rekisteri.service: '$kv' appears $n times, want 1"
done
grep -q '^ExecStart=/usr/bin/rekisteri serve --listen ${REKISTERI_LISTEN}' "$UNIT" && ok ||
    bad "rekisteri.service: ExecStart does not run serve on REKISTERI_LISTEN"

# The package, from the tested binary.
DEB=$("$RK_SOURCE_DIR/packaging/build-deb" "$REKISTERI" "$T/out" 2>build.err) ||
    { bad "build-deb failed: $(cat build.err)"; rk_finish packaging; exit 1; }
[ -f "$DEB" ] && ok || { bad "build-deb printed '$DEB', not a file"; rk_finish packaging; exit 1; }
dpkg-deb -c "$DEB" >contents
# mode owner path, e.g. "-rwxr-xr-x root/root ./usr/bin/rekisteri"
awk '{print $1, $2, $6}' contents >files
for want in "-rwxr-xr-x root/root ./usr/bin/rekisteri" \
    "-rw-r--r-- root/root ./lib/systemd/system/rekisteri.service" \
    "-rw-r--r-- root/root ./etc/default/rekisteri" \
    "-rw-r--r-- root/root ./etc/rekisteri/declaration.yaml" \
    "-rw-r--r-- root/root ./usr/share/man/man1/rekisteri.1.gz" \
    "-rw-r--r-- root/root ./usr/share/doc/rekisteri/README.md" \
    "-rw-r--r-- root/root ./usr/share/doc/rekisteri/deployment.md" \
    "-rw-r--r-- root/root ./usr/share/doc/rekisteri/copyright"; do
    grep -qxF -- "$want" files && ok || bad "the .deb lacks '$want': $(grep -F "${want##* }" files)"
done
grep -v '^d' files | grep -v ' root/root ' >notroot
[ ! -s notroot ] && ok || bad "files not owned by root: $(cat notroot)"

VERSION=$(sed -n 's/^project(rekisteri VERSION \([0-9.]*\).*/\1/p' "$RK_SOURCE_DIR/CMakeLists.txt")
[ "$(dpkg-deb -f "$DEB" Package)" = rekisteri ] && ok || bad "Package: $(dpkg-deb -f "$DEB" Package)"
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] && ok ||
    bad "Version: $(dpkg-deb -f "$DEB" Version), CMakeLists.txt says $VERSION"
[ "$(dpkg-deb -f "$DEB" Architecture)" = "$(dpkg --print-architecture)" ] && ok ||
    bad "Architecture: $(dpkg-deb -f "$DEB" Architecture)"
for f in Maintainer Description Depends; do
    [ -n "$(dpkg-deb -f "$DEB" "$f")" ] && ok || bad "control lacks $f"
done
dpkg-deb -e "$DEB" control
printf '/etc/default/rekisteri\n/etc/rekisteri/declaration.yaml\n' >conffiles.want
cmp -s conffiles.want control/conffiles && ok || bad "conffiles: $(cat control/conffiles)"
# postinst creates the user and neither enables nor starts the service.
if grep -q useradd control/postinst && ! grep -v '^#' control/postinst | grep -Eq 'systemctl|deb-systemd|invoke-rc'; then
    ok; else bad "postinst: want useradd and no systemctl"; fi

# Every library the binary links comes from a package in Depends.
dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' >depends
objdump -p "$REKISTERI" | awk '$1 == "NEEDED" {print $2}' >needed
[ -s needed ] && ok || bad "objdump found no NEEDED libraries in $REKISTERI"
while read -r lib; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    [ -n "$path" ] || { bad "$lib: not in ldconfig's cache"; continue; }
    pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null)
    pkg=${pkg%%:*}
    if [ -n "$pkg" ] && grep -qxF -- "$pkg" depends; then ok; else
        bad "$lib ($path) comes from '${pkg:-no package}', which Depends lacks"
    fi
done <needed

# Unpacked into a scratch root: the files land where the unit and the docs say.
mkdir -p root/var/lib/dpkg/updates root/var/lib/dpkg/info
: >root/var/lib/dpkg/status
if dpkg --root="$T/root" --force-not-root --force-bad-path --log=/dev/null \
    --unpack "$DEB" >unpack.out 2>&1; then ok; else bad "dpkg --unpack: $(tail -3 unpack.out)"; fi
for f in usr/bin/rekisteri lib/systemd/system/rekisteri.service usr/share/man/man1/rekisteri.1.gz; do
    [ -s "root/$f" ] && ok || bad "after unpacking: no /$f"
done
# Conffiles wait as .dpkg-new until configure, which --unpack leaves out.
for f in etc/default/rekisteri etc/rekisteri/declaration.yaml; do
    [ -s "root/$f.dpkg-new" ] && ok || bad "after unpacking: no /$f.dpkg-new"
done
[ -x root/usr/bin/rekisteri ] && root/usr/bin/rekisteri validate root/etc/rekisteri/declaration.yaml.dpkg-new \
    >validate.out 2>&1 && ok || bad "the installed binary refuses the installed declaration: $(tail -3 validate.out)"
cmp -s root/lib/systemd/system/rekisteri.service "$UNIT" && ok || bad "the installed unit differs"
rk_finish packaging
