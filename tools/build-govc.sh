#!/bin/bash
# Build govc and vcsim (govmomi 0.24.2, Debian bookworm's golang-github-vmware-govmomi
# source package) in GOPATH mode, with Debian's Go 1.19 and Debian's -dev packages.
#
#   as root, once per machine (the only part that writes outside /tmp):
#     tools/build-govc.sh --prereqs   # apt-get install golang-go golang-github-vmware-govmomi-dev
#                                     #   golang-github-kr-pretty-dev dpkg-dev, then builds
#   afterwards:
#     tools/build-govc.sh             # builds into $GOBIN_DIR (default /tmp/gobin)
#
# The tests in tests/clients/ run this govc against the served fake (.ci/run builds it). vcsim
# is built too, as a reference for what govc expects; no test depends on it.
#
# Why the source package: the binary golang-github-vmware-govmomi-dev package leaves out
# govc/ and vcsim/ (debian/rules: DH_GOLANG_EXCLUDES := examples govc vcsim toolbox/toolbox),
# but the orig tarball has them. The source package is fetched with a private apt
# configuration under $WORK (a deb-src list, its own lists and cache), so the system's apt
# sources are left alone. Imports outside the standard library that govc and vcsim need:
# github.com/google/uuid (pulled in by golang-github-vmware-govmomi-dev) and
# github.com/kr/pretty (golang-github-kr-pretty-dev; upstream pins the dougm/pretty fork,
# Debian's kr/pretty 0.3.0 has the same pretty.Fprintf). No Go module proxy is used.
set -euo pipefail

WORK=${WORK:-/tmp/govc-build}
GOBIN_DIR=${GOBIN_DIR:-/tmp/gobin}
VERSION=0.24.2-3
PKGS="golang-go golang-github-vmware-govmomi-dev golang-github-kr-pretty-dev dpkg-dev"
start=$(date +%s)

if [ "${1:-}" = "--prereqs" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS >/dev/null
fi
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || { echo "missing package $p: run $0 --prereqs (as root)" >&2; exit 2; }
done

# 1. the source package, through a private apt configuration (writes only under $WORK/apt)
APT=$WORK/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$WORK/src"
# the machine's own Debian mirror, as its apt configuration names it (deb822 or one-line form)
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$MIRROR" ] || { echo "no Debian mirror found in the apt configuration" >&2; exit 2; }
CODENAME=$(. /etc/os-release && echo "$VERSION_CODENAME")
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $CODENAME main" > "$APT/sources.list"
APT_OPTS=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
          -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
apt-get "${APT_OPTS[@]}" -qq update
rm -rf "$WORK/src"/*
( cd "$WORK/src" && apt-get "${APT_OPTS[@]}" -qq source "golang-github-vmware-govmomi=$VERSION" >/dev/null 2>&1 \
  || apt-get "${APT_OPTS[@]}" source "golang-github-vmware-govmomi=$VERSION" )   # unpacks with dpkg-source -x: Debian's patches applied
SRC=$(ls -d "$WORK"/src/golang-github-vmware-govmomi-*/)
test -f "$SRC/govc/main.go" -a -f "$SRC/vcsim/main.go"

# 2. a scratch GOPATH first, Debian's /usr/share/gocode second
GP=$WORK/gopath
rm -rf "$GP" && mkdir -p "$GP/src/github.com/vmware"
cp -a "$SRC" "$GP/src/github.com/vmware/govmomi"
rm -rf "$GP/src/github.com/vmware/govmomi/debian" "$GP/src/github.com/vmware/govmomi/.pc"

# 3. build (GOPATH mode, no network)
export GO111MODULE=off GOFLAGS= GOPROXY=off GOPATH="$GP:/usr/share/gocode" GOCACHE="$WORK/gocache" CGO_ENABLED=0
mkdir -p "$GOBIN_DIR"
cd "$GP/src/github.com/vmware/govmomi"
go version
LDFLAGS="-X github.com/vmware/govmomi/govc/flags.GitVersion=0.24.2"
go build -ldflags "$LDFLAGS" -o "$GOBIN_DIR/govc" ./govc
go build -o "$GOBIN_DIR/vcsim" ./vcsim   # the stock vcsim: simulator.VPX() with Service.RegisterEndpoints = true (/rest served)
"$GOBIN_DIR/govc" version
ls -la "$GOBIN_DIR/govc" "$GOBIN_DIR/vcsim"
echo "built in $(( $(date +%s) - start )) s"
