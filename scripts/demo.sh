#!/usr/bin/env bash
# `npm run demo`: AIOS in VS Code in your browser, on the demo workspace.
# Installs what is missing (code-server and Chromium via scripts/ensure-e2e.sh; Docker and the
# sandbox image if it can: without them everything but code actions works), builds and packages
# the extension, installs the .vsix into code-server, opens a copy of demo/ and stays in the
# foreground until Ctrl-C.
#
# Env: AIOS_DEMO_PORT (default 8080), AIOS_DEMO_HOST (default 127.0.0.1; 0.0.0.0 to reach it from
#      another machine), AIOS_DEMO_FRESH=1 (start again from a clean copy of demo/ and no agents),
#      AIOS_DEMO_SKIP_DOCKER=1 (do not try to install or start Docker).
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${AIOS_TOOLS_DIR:-$REPO/.tools}"
STATE="$TOOLS/demo"
WORKSPACE="$STATE/greeter"
EXT_DIR="$STATE/extensions"
USER_DIR="$STATE/user-data"
VSIX="$STATE/aios.vsix"
HOST="${AIOS_DEMO_HOST:-127.0.0.1}"
PORT="${AIOS_DEMO_PORT:-8080}"
CODE_SERVER="$TOOLS/code-server/node_modules/.bin/code-server"
started=$SECONDS

log() { printf '[demo] %s\n' "$*"; }
die() { printf '[demo] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "failed at line $LINENO (exit $?)"' ERR

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
[ "$node_major" = "20" ] || die "Node 20 is needed (found: $node_major): code-server 4.100 runs only on Node 20"
[ -d "$REPO/node_modules" ] || die "dependencies are missing: run \`npm ci\` first"

log "1/5 code-server and Chromium"
bash "$REPO/scripts/ensure-e2e.sh"

log "2/5 Docker and the sandbox image (optional: code actions need them)"
if [ "${AIOS_DEMO_SKIP_DOCKER:-}" = "1" ]; then
  log "skipped (AIOS_DEMO_SKIP_DOCKER=1): agents cannot run commands; everything else works"
elif bash "$REPO/scripts/ensure-docker.sh" && (cd "$REPO" && npm run --silent sandbox:image); then
  log "sandbox ready"
else
  log "no Docker engine: continuing without code actions (run_command reports why; everything else works)"
fi

log "3/5 build and package the extension"
node "$REPO/scripts/package.mjs" --out "$VSIX"

log "4/5 install into code-server"
if [ "${AIOS_DEMO_FRESH:-}" = "1" ]; then rm -rf "$WORKSPACE" "$USER_DIR"; fi
if [ ! -d "$WORKSPACE" ]; then
  mkdir -p "$STATE"
  cp -R "$REPO/demo" "$WORKSPACE"
  log "copied demo/ to $WORKSPACE (agents change this copy; AIOS_DEMO_FRESH=1 starts over)"
fi
mkdir -p "$EXT_DIR" "$USER_DIR/User"
if [ ! -f "$USER_DIR/User/settings.json" ]; then
  cat >"$USER_DIR/User/settings.json" <<'JSON'
{
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "git.openRepositoryInParentFolders": "never",
  "workbench.welcomePage.walkthroughs.openOnInstall": false
}
JSON
fi
cs_args=(--config "$STATE/config.yaml" --extensions-dir "$EXT_DIR" --user-data-dir "$USER_DIR")
node "$CODE_SERVER" "${cs_args[@]}" --force --install-extension "$VSIX" >/dev/null

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  log "port ${AIOS_DEMO_PORT:-8080} is busy: using $PORT"
fi
shown_host="$HOST"; [ "$HOST" = "0.0.0.0" ] && shown_host="$(hostname -I 2>/dev/null | awk '{print $1}')"
url="http://${shown_host:-127.0.0.1}:$PORT/?folder=$WORKSPACE"

log "5/5 starting code-server (ready in $((SECONDS - started)) s)"
cat <<EOF

  AIOS is running in VS Code at:

      $url

  Open the AIOS icon in the activity bar, then "AIOS: Spawn Agent" (F1).
  No API key is set, so agents use the OFFLINE SCRIPTED MODEL: they replay the scripts in
  .aios/scripts/ and the UI marks them "scripted" (nothing comes from an LLM).
  "AIOS: Set API Key" switches new agents to Claude.

  Ctrl-C stops code-server. Agents and their history stay in the workspace storage.

  code-server asks the browser for VS Code's signing module (vsda) on every window load; it is not
  part of code-server, so its "File not found: …vsda_bg.wasm / …vsda.js" lines are harmless and
  hidden here.

EOF
# The extension host and the kernel host run on this Node (better-sqlite3 was built for it).
# Variables of a surrounding VS Code terminal would make code-server talk to that one instead.
# Ctrl-C reaches both code-server and the filter (same process group); the demo ends either way.
trap - ERR
set +e +o pipefail
env -u VSCODE_IPC_HOOK_CLI -u VSCODE_IPC_HOOK -u ELECTRON_RUN_AS_NODE -u PORT \
  node "$CODE_SERVER" "${cs_args[@]}" --auth none --bind-addr "$HOST:$PORT" \
  --disable-telemetry --disable-workspace-trust --disable-update-check --disable-getting-started-override \
  "$WORKSPACE" 2>&1 | grep --line-buffered -v -E 'File not found: .*/vsda(_bg\.wasm|\.js)$'
exit 0
