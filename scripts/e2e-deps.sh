#!/usr/bin/env bash
# e2e-deps installs what the browser tests need, and only what is missing:
# Debian's chromium-headless-shell, node and npm (apt), and the npm packages playwright-core
# (the driver playwright-go runs) and axe-core (the accessibility checker),
# pinned, into a cache folder. It never downloads browsers from a CDN: this
# network reaches package registries only (see ../shared/e2e-browser.md).
#
#   scripts/e2e-deps.sh [CACHE_DIR]   # default: <repo>/.cache/e2e
#
# Afterwards CACHE_DIR/package is the playwright-core package (the driver
# directory for PLAYWRIGHT_DRIVER_PATH) and CACHE_DIR/axe.min.js is axe-core.
# Any failure stops with a message and a non-zero status; nothing is skipped.
set -euo pipefail

# Keep these in step with go.mod: playwright-go v0.5200.1 speaks Playwright 1.52.0.
PLAYWRIGHT_VERSION=1.52.0
AXE_VERSION=4.14.1
# The headless shell is Chromium's engine without the desktop browser around
# it, the build Playwright itself runs headless tests on: the journeys take
# half the CPU they take in the full browser's headless mode.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium-headless-shell}

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo/.cache/e2e}

say() { echo "e2e-deps: $*"; }
die() { echo "e2e-deps: ERROR: $*" >&2; exit 1; }

# apt_get is apt-get one at a time: make test installs PostgreSQL and the
# browser at once, and apt takes its locks without waiting.
apt_get() { flock /var/lock/onelogin-helpdesk-apt apt-get -o DPkg::Lock::Timeout=600 "$@"; }

# apt_install installs Debian packages, running apt-get update once per run.
apt_updated=
apt_install() {
	if [ "$(id -u)" != 0 ]; then
		die "missing $* and not running as root; install them with: sudo apt-get update && sudo apt-get install -y $*"
	fi
	command -v apt-get >/dev/null || die "missing $* and apt-get is not available; install them with your package manager"
	if [ -z "$apt_updated" ]; then
		say "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt_get update -qq || die "apt-get update failed"
		apt_updated=1
	fi
	say "apt-get install -y $*"
	DEBIAN_FRONTEND=noninteractive apt_get install -y -qq "$@" >/dev/null ||
		die "apt-get install $* failed"
}

# 1. The browser: Debian's chromium-headless-shell.
if [ ! -x "$CHROMIUM" ]; then
	apt_install chromium-headless-shell
	[ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is still missing"
fi
"$CHROMIUM" --version >/dev/null 2>&1 || die "$CHROMIUM does not run ($CHROMIUM --version failed)"

# 2. node and npm: the driver is a node program.
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	apt_install "${missing[@]}"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]') || die "node does not run"
[ "$node_major" -ge 18 ] || die "node $(node --version) is too old; Playwright $PLAYWRIGHT_VERSION needs node 18 or newer"

# 3. The npm packages, pinned, into the cache folder.
installed_version() { # package name -> version installed in the cache, or nothing
	local f="$cache/node_modules/$1/package.json"
	[ -f "$f" ] && node -p "require(process.argv[1]).version" "$f" 2>/dev/null || true
}
if [ "$(installed_version playwright-core)" != "$PLAYWRIGHT_VERSION" ] ||
	[ "$(installed_version axe-core)" != "$AXE_VERSION" ]; then
	mkdir -p "$cache" || die "cannot create $cache"
	# A package.json of our own keeps npm from walking up into some other project.
	[ -f "$cache/package.json" ] || echo '{"name":"onelogin-helpdesk-e2e","private":true}' >"$cache/package.json"
	say "npm install playwright-core@$PLAYWRIGHT_VERSION axe-core@$AXE_VERSION into $cache"
	npm install --prefix "$cache" --no-audit --no-fund --save-exact --loglevel=error \
		"playwright-core@$PLAYWRIGHT_VERSION" "axe-core@$AXE_VERSION" ||
		die "npm install failed (is the npm registry reachable? npm config get registry: $(npm config get registry 2>/dev/null))"
fi

# playwright-go runs DRIVER_DIR/package/cli.js.
ln -sfn node_modules/playwright-core "$cache/package"
[ -f "$cache/axe.min.js" ] && cmp -s "$cache/node_modules/axe-core/axe.min.js" "$cache/axe.min.js" ||
	cp "$cache/node_modules/axe-core/axe.min.js" "$cache/axe.min.js" || die "axe-core has no axe.min.js"

# 4. Check what playwright-go will check, so a mismatch fails here and not mid-test.
got=$(node "$cache/package/cli.js" --version 2>&1) || die "the driver does not run: node $cache/package/cli.js --version: $got"
case "$got" in
*"$PLAYWRIGHT_VERSION"*) ;;
*) die "the driver says '$got', want $PLAYWRIGHT_VERSION (remove $cache and retry)" ;;
esac
say "ready: $("$CHROMIUM" --version 2>/dev/null), playwright-core $PLAYWRIGHT_VERSION, axe-core $AXE_VERSION in $cache"
