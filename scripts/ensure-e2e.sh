#!/usr/bin/env bash
# Installs what the end-to-end tests need, idempotently: Debian's Chromium and ripgrep, the
# headers code-server's native modules build against, and code-server itself in <repo>/.tools.
# A fresh Debian 12 machine takes about 1.5 minutes; a re-run when installed is a <1 s no-op.
#
# Usage: scripts/ensure-e2e.sh            (as root, or with sudo available for apt-get)
# Env:   AIOS_TOOLS_DIR  where code-server goes (default: <repo>/.tools)
#        AIOS_E2E_FORCE=1 reinstall code-server even if its marker says it is complete
set -Eeuo pipefail # -E: the ERR trap below also fires inside functions

CODE_SERVER_VERSION=4.100.3 # newest release whose engines accept Node 20
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${AIOS_TOOLS_DIR:-$REPO/.tools}"
CS_DIR="$TOOLS/code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
# Written last, so a half-finished install (killed, failed) has no marker and is redone.
MARKER="$CS_DIR/.installed"
# fonts-noto-cjk: Chinese, Japanese and Korean text (task text, the router's examples) instead of boxes
APT_PACKAGES=(chromium fonts-liberation fonts-noto-cjk ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
  build-essential python3 pkg-config)

log() { printf '[ensure-e2e] %s\n' "$*"; }
die() { printf '[ensure-e2e] ERROR: %s\n' "$*" >&2; exit 1; }
# Only the main shell reports, so a failure inside a ( subshell ) is not reported twice.
trap '[ "$BASH_SUBSHELL" -ne 0 ] || die "failed at line $LINENO: fix the cause above and re-run (an unfinished code-server install is redone)"' ERR

ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "apt packages: already installed"; return; fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing apt packages (${missing[*]}): run as root or install them"
    sudo=(sudo)
  fi
  log "apt packages: installing ${missing[*]}"
  # Wait for a concurrent apt/dpkg (another script, unattended-upgrades) instead of failing.
  local wait=(-o DPkg::Lock::Timeout=600)
  "${sudo[@]}" apt-get "${wait[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get "${wait[@]}" install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# node-gyp must build against the machine's Node headers: downloading them is impossible here.
ensure_node_headers() {
  if [ -z "${npm_config_nodedir:-}" ] && [ "$(npm config get nodedir 2>/dev/null)" != "/usr" ] \
    && [ -f /usr/include/node/node.h ]; then
    export npm_config_nodedir=/usr
  fi
}

# Any code-server run, even --version, writes ~/.config/code-server/config.yaml (with a password)
# and ~/.local/share/code-server/ unless told otherwise: keep both inside the tools folder.
cs_version() { XDG_DATA_HOME="$CS_DIR/xdg-data" "$CS_BIN" --config "$CS_DIR/config.yaml" --version; }

code_server_ok() {
  [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$CODE_SERVER_VERSION" ] && [ -x "$CS_BIN" ]
}

# The steps of shared/ENVIRONMENT.md: code-server's postinstall would build native modules and
# download ripgrep from the internet, so it is skipped and each of its steps is done here.
install_code_server() {
  log "code-server $CODE_SERVER_VERSION: installing into $CS_DIR"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # Its own package.json, or npm would walk up and install into the repo's node_modules.
  printf '{ "private": true, "description": "e2e tools, installed by scripts/ensure-e2e.sh" }\n' >"$CS_DIR/package.json"
  local npm_q=(--no-audit --no-fund --loglevel=error)
  (cd "$CS_DIR" && npm install "${npm_q[@]}" --ignore-scripts "code-server@$CODE_SERVER_VERSION")
  (cd "$CS_DIR" && npm rebuild "${npm_q[@]}" argon2)

  local vscode="$CS_DIR/node_modules/code-server/lib/vscode"
  log "code-server: installing its VS Code's dependencies and rebuilding native modules"
  (cd "$vscode" && npm install "${npm_q[@]}" --omit=dev --ignore-scripts)
  (cd "$vscode" && npm rebuild "${npm_q[@]}" @parcel/watcher @vscode/deviceid @vscode/spdlog \
    kerberos native-watchdog)
  # node-pty's post-install fails on a compile-commands helper (an npx download) after its .node
  # file is built, so it is rebuilt alone and judged by whether it loads, not by npm's exit code.
  local pty_log="$CS_DIR/node-pty-rebuild.log"
  (cd "$vscode" && npm rebuild "${npm_q[@]}" node-pty >"$pty_log" 2>&1) \
    || log "npm rebuild node-pty exited non-zero (expected): checking that it loads"
  local mod
  for mod in @parcel/watcher @vscode/deviceid @vscode/spdlog kerberos native-watchdog node-pty; do
    (cd "$vscode" && node -e "require('$mod')") \
      || die "native module $mod does not load in $vscode: see the npm rebuild output above (node-pty: $pty_log)"
  done
  (cd "$CS_DIR/node_modules/code-server" && node -e "require('argon2')") || die "argon2 does not load"

  # @vscode/ripgrep's postinstall would download rg: use Debian's instead.
  mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
  ln -sfn /usr/bin/rg "$vscode/node_modules/@vscode/ripgrep/bin/rg"
  # VS Code resolves some modules through node_modules.asar, which only exists in packaged builds.
  ln -sfn node_modules "$vscode/node_modules.asar"
  # The rest of code-server's postinstall: the `code-server` CLI and $BROWSER helper that its
  # integrated terminal puts on PATH.
  ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
  ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"
  log "code-server: installing the built-in extensions' dependencies"
  (cd "$vscode/extensions" && npm install "${npm_q[@]}" --omit=dev)

  cs_version >/dev/null || die "code-server was installed but '$CS_BIN --version' fails"
  printf '%s' "$CODE_SERVER_VERSION" >"$MARKER"
}

# code-server 4.100.x runs only on Node 20 (its postinstall refuses anything else); the extension
# host runs on this same Node, so the project's native modules must be built for it too.
check_node() {
  command -v node >/dev/null || die "node is not on PATH: install Node 20"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" = 20 ] || die "code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)"
}

main() {
  local start=$SECONDS
  check_node
  ensure_apt_packages
  ensure_node_headers
  if [ "${AIOS_E2E_FORCE:-}" != "1" ] && code_server_ok; then
    log "code-server $CODE_SERVER_VERSION: already installed in $CS_DIR"
  else
    install_code_server
  fi
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing the chromium package"
  log "code-server --version: $(cs_version | tail -n 1)"
  log "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
  log "done in $((SECONDS - start)) s"
}

main "$@"
