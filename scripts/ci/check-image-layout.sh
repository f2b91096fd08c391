#!/usr/bin/env bash
# Reproduces the bus image without a container engine, and proves it starts: the built output and a
# production install (`npm ci --omit=dev`) laid out as in the Dockerfile's last stage, a writable
# data folder, the bus started with the Dockerfile's own CMD as an unprivileged user, the Dockerfile's
# own HEALTHCHECK answering, then a graceful stop on SIGTERM.
#
# Needs: a build (`npx nest build bus`), RabbitMQ at AMQP_URL (default amqp://guest:guest@127.0.0.1:5672),
# root (to switch to the unprivileged user with setpriv). The bus runs in its own broker namespace,
# whose queues are deleted afterwards.
#
# Cost: better-sqlite3 compiles from source on a fresh install (about 1 min 45 s here). By default its
# compiled addon is taken from this checkout's install when the versions match (same Node, same
# machine); IMAGE_CHECK_REBUILD=1 compiles it as the image build does.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
started=$(date +%s)

say() { echo "image-layout: $*"; }
fail() { echo "image-layout: FAILED: $*" >&2; exit 1; }

[ -f dist/apps/bus/apps/bus/src/main.js ] || fail "no build; run \"npx nest build bus\" first"
[ "$(id -u)" = 0 ] || fail "run as root (the bus is started as the unprivileged user nobody, as the image runs it as node)"

# The image's command and healthcheck, read from the Dockerfile so the two cannot drift apart.
read_dockerfile() {
  node -e '
    const text = require("fs").readFileSync("Dockerfile", "utf8").replace(/\\\n\s*/g, " ");
    const lines = text.split("\n").map((l) => l.trim());
    const cmd = lines.filter((l) => l.startsWith("CMD ")).pop();
    const hc = lines.find((l) => l.startsWith("HEALTHCHECK "));
    const json = (s) => JSON.parse(s.slice(s.indexOf("[")));
    const which = process.argv[1];
    const argv = which === "cmd" ? json(cmd) : json(hc.slice(hc.indexOf(" CMD ") + 5));
    process.stdout.write(argv.map((a) => a.replace(/\n/g, " ")).join("\0"));
  ' "$1"
}
mapfile -d '' cmd < <(read_dockerfile cmd)
mapfile -d '' healthcheck < <(read_dockerfile healthcheck)
[ "${#cmd[@]}" -gt 0 ] || fail "no CMD in the Dockerfile"
[ "${#healthcheck[@]}" -gt 0 ] || fail "no HEALTHCHECK CMD in the Dockerfile"

work=$(mktemp -d /tmp/bus-image-XXXXXX)
chmod 755 "$work"
app="$work/app"
data="$work/data"
child=""
namespace="image-check-$$"
cleanup() {
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then kill -TERM "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi
  for q in $(rabbitmqctl list_queues -q --no-table-headers name 2>/dev/null | grep "^$namespace\." || true); do rabbitmqctl delete_queue "$q" >/dev/null 2>&1 || true; done
  for x in $(rabbitmqctl list_exchanges -q --no-table-headers name 2>/dev/null | grep "^$namespace\." || true); do rabbitmqctl eval "rabbit_exchange:delete(rabbit_misc:r(<<\"/\">>, exchange, <<\"$x\">>), false, <<\"image-check\">>)." >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

say "laying out the image's /app in $app"
mkdir -p "$app" "$data"
cp package.json package-lock.json "$app/"
cp -r dist "$app/dist"
cp -r config "$app/config"

say "production install (npm ci --omit=dev)"
t0=$(date +%s)
if [ "${IMAGE_CHECK_REBUILD:-0}" = 1 ]; then
  (cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
else
  (cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error --ignore-scripts)
  want=$(node -p "require('$app/node_modules/better-sqlite3/package.json').version")
  have=$(node -p "require('$root/node_modules/better-sqlite3/package.json').version" 2>/dev/null || echo none)
  if [ "$want" = "$have" ] && [ -d "$root/node_modules/better-sqlite3/build/Release" ]; then
    cp -r "$root/node_modules/better-sqlite3/build" "$app/node_modules/better-sqlite3/build"
  else
    (cd "$app" && npm rebuild better-sqlite3 --loglevel=error)
  fi
fi
say "installed in $(( $(date +%s) - t0 )) s"
for dev in typescript jest @nestjs/cli ts-node; do
  [ ! -e "$app/node_modules/$dev" ] || fail "dev dependency $dev is in the production install"
done

# The image: /app belongs to root and is read-only for the bus; only the data folder is its own.
chown -R root:root "$app"
chown nobody:nogroup "$data"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log="$work/bus.log"
as_image_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env)
image_env=(
  NODE_ENV=production PORT="$port" BUS_CONFIG=config/bus.yaml BUS_DATA_DIR="$data" LOG_FORMAT=json
  AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}" BUS_NAMESPACE="$namespace"
  # The README's variables for the shipped config.
  CRM_API_KEY=dev-crm-key ERP_URL=http://127.0.0.1:4001 ADMIN_TOKEN=dev-admin-token
  PATH="$PATH"
)

say "starting as nobody: ${cmd[*]} (port $port, namespace $namespace)"
(cd "$app" && exec "${as_image_user[@]}" env "${image_env[@]}" "${cmd[@]}") >"$log" 2>&1 &
child=$!

healthy=""
for _ in $(seq 1 60); do
  kill -0 "$child" 2>/dev/null || { cat "$log"; fail "the bus exited during start-up"; }
  if (cd "$app" && "${as_image_user[@]}" env PORT="$port" PATH="$PATH" "${healthcheck[@]}"); then healthy=1; break; fi
  sleep 1
done
[ -n "$healthy" ] || { cat "$log"; fail "the image's HEALTHCHECK did not pass within 60 s"; }
ready=$(curl -sf "http://127.0.0.1:$port/health/ready") || fail "/health/ready did not answer 200"
say "/health/ready: $ready"
[ -f "$data/bus.sqlite" ] || fail "the embedded store did not write to the data folder"
[ "$(stat -c %U "$data/bus.sqlite")" = nobody ] || fail "the store file is not the bus user's"
grep -q '"msg":"bpi-bus ' "$log" || { cat "$log"; fail "no JSON start-up line in the log"; }
grep -q 'RouterExplorer' "$log" && fail "route-mapping lines in the default log"

kill -TERM "$child"
status=0
wait "$child" || status=$?
child=""
# Nest re-raises the signal after its shutdown hooks ran, so a graceful stop ends as "killed by SIGTERM" (143).
[ "$status" = 0 ] || [ "$status" = 143 ] || { cat "$log"; fail "the bus exited with $status on SIGTERM"; }
grep -q 'draining in-flight messages' "$log" || { cat "$log"; fail "no graceful shutdown on SIGTERM"; }
say "log of the run:"
sed 's/^/  /' "$log"
say "ok in $(( $(date +%s) - started )) s"
