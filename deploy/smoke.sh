#!/bin/bash
# Smoke test of deploy/README.md on this machine: every step that needs no init system, against a real PostgreSQL
# and a real Mosquitto, the three processes started with exactly the ExecStart lines of the systemd units (the
# install prefix /opt/farm replaced by this checkout, /opt/farm/.venv/bin/python by $PYTHON), then checks that the
# system answers: `farm check` clean, /healthz ok, readings flowing with the ingest's metrics counting them, a
# backup restored into an empty database holding the same rows, `nginx -t` and `systemd-analyze verify`.
#
# Run as root (it creates the `farm` user as the README does):
#   PYTHON=/path/to/.venv/bin/python PGURL=postgresql://postgres@127.0.0.1:5432/postgres deploy/smoke.sh
# Everything it makes lives under a temporary folder and a throwaway database, removed at the end.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$HERE/.venv/bin/python}"
PGURL="${PGURL:-postgresql://postgres@127.0.0.1:5432/postgres}"  # a role that may create databases
SERVICE_USER="${SERVICE_USER:-farm}"
ROOT="$(mktemp -d /tmp/farm-smoke.XXXXXX)"
chmod 755 "$ROOT"
DB="farm_smoke_$(date +%s)_$$"
PIDS=()

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; exit 1; }
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  psql "$PGURL" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1
  psql "$PGURL" -qc "DROP DATABASE IF EXISTS \"${DB}_restored\" WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$ROOT"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root: the README's steps create a system user"
[ -x "$PYTHON" ] || fail "no Python at $PYTHON (set PYTHON=.../.venv/bin/python)"

say "1. the service user"
id "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/farm --no-create-home \
  --shell /usr/sbin/nologin "$SERVICE_USER"
# The README installs into /opt/farm, readable by the service user; this checkout's Python may not be (a Python
# under /root). Then the processes run as the invoking user and the smoke says so.
AS=(runuser -u "$SERVICE_USER" --)
if ! "${AS[@]}" "$PYTHON" -c 'import flask' >/dev/null 2>&1; then
  echo "note: $SERVICE_USER cannot run $PYTHON here; the processes run as $(id -un)"
  AS=()
fi

say "2. PostgreSQL: the database and its owner"
psql "$PGURL" -qc "CREATE DATABASE \"$DB\"" >/dev/null
DB_URL="$("$PYTHON" -c 'import sys; from sqlalchemy.engine import make_url; print(make_url(sys.argv[1]).set(drivername="postgresql+psycopg", database=sys.argv[2]).render_as_string(hide_password=False))' "$PGURL" "$DB")"

say "3. Mosquitto with the shipped configuration, passwords and ACL"
MQTT_PORT="$(free_port)"
mkdir -p "$ROOT/etc/mosquitto/farm" "$ROOT/var/lib/mosquitto"
TLS_PORT="$(free_port)"
# The devices' TLS listener needs a certificate: the operator brings the park's own; here a throwaway one.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -keyout "$ROOT/etc/mosquitto/farm.key" -out "$ROOT/etc/mosquitto/farm.crt" >/dev/null 2>&1
# No devices registered yet (the park is loaded below); the simulator's login is asked for, as on a demo broker.
: > "$ROOT/devices.txt"
sh "$HERE/deploy/mosquitto/make-passwords.sh" "$ROOT/etc/mosquitto/farm" "$ROOT/devices.txt" --simulator \
  > "$ROOT/logins.txt"
sed -e "s|^listener 1883 .*|listener $MQTT_PORT 127.0.0.1|" \
    -e "s|^listener 8883|listener $TLS_PORT 127.0.0.1|" \
    -e "s|/etc/mosquitto/certs/|$ROOT/etc/mosquitto/|" \
    -e "s|/etc/mosquitto/farm/|$ROOT/etc/mosquitto/farm/|g" \
    -e "s|/var/lib/mosquitto/|$ROOT/var/lib/mosquitto/|" \
    "$HERE/deploy/mosquitto/mosquitto.conf" > "$ROOT/mosquitto.conf"
echo "user root" >> "$ROOT/mosquitto.conf"  # a private broker in a temporary folder; the real one drops to mosquitto
MOSQUITTO="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
"$MOSQUITTO" -c "$ROOT/mosquitto.conf" > "$ROOT/mosquitto.log" 2>&1 &
PIDS+=($!)
INGEST_PW="$(awk '$1=="ingest"{print $2}' "$ROOT/logins.txt")"
SIM_PW="$(awk '$1=="simulator"{print $2}' "$ROOT/logins.txt")"

say "4. the environment file (mode 600) and the instance folder"
WEB_PORT="$(free_port)"; INGEST_METRICS="$(free_port)"; SCHEDULER_METRICS="$(free_port)"
mkdir -p "$ROOT/etc/farm" "$ROOT/var/lib/farm"
sed -e "s|^FARM_DATABASE_URL=.*|FARM_DATABASE_URL=$DB_URL|" \
    -e "s|^FARM_MQTT_URL=.*|FARM_MQTT_URL=mqtt://ingest:$INGEST_PW@127.0.0.1:$MQTT_PORT|" \
    -e "s|^FARM_SECRET_KEY=.*|FARM_SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')|" \
    -e "s|/var/lib/farm|$ROOT/var/lib/farm|g" \
    -e "s|^FARM_PORT=.*|FARM_PORT=$WEB_PORT|" \
    -e "s|^FARM_PUBLIC_URL=.*|FARM_PUBLIC_URL=https://park.example.cn|" \
    -e "s|^FARM_INGEST_METRICS_PORT=.*|FARM_INGEST_METRICS_PORT=$INGEST_METRICS|" \
    -e "s|^FARM_SCHEDULER_METRICS_PORT=.*|FARM_SCHEDULER_METRICS_PORT=$SCHEDULER_METRICS|" \
    "$HERE/deploy/farm.env.example" > "$ROOT/etc/farm/farm.env"
chmod 600 "$ROOT/etc/farm/farm.env"
chown -R "$SERVICE_USER": "$ROOT/var/lib/farm"
[ "$(stat -c %a "$ROOT/etc/farm/farm.env")" = 600 ] || fail "the environment file is not mode 600"
set -a; . "$ROOT/etc/farm/farm.env"; set +a   # what systemd's EnvironmentFile= does

run() { (cd "$HERE" && "${AS[@]}" env $(grep -v '^#' "$ROOT/etc/farm/farm.env" | xargs) "$@"); }

say "5. migrations, the first admin, the park"
run "$PYTHON" -m farm init-db
ADMIN_PW="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(12))')"
printf '%s\n' "$ADMIN_PW" | run "$PYTHON" -m farm create-user parkadmin --role admin --password-stdin
run "$PYTHON" -m farm seed-demo > /dev/null 2>&1   # the smoke needs greenhouses; a real park enters its own

say "6. farm check"
run "$PYTHON" -m farm check || fail "farm check found problems"

say "7. the three processes, started with the units' ExecStart lines"
for part in web ingest scheduler; do
  line="$(sed -n 's/^ExecStart=//p' "$HERE/deploy/systemd/farm-$part.service")"
  [ -n "$line" ] || fail "farm-$part.service has no ExecStart"
  line="${line//\/opt\/farm\/.venv\/bin\/python/$PYTHON}"
  line="${line//\/opt\/farm/$HERE}"
  echo "   farm-$part: $line"
  (cd "$HERE" && exec "${AS[@]}" env $(grep -v '^#' "$ROOT/etc/farm/farm.env" | xargs) $line) \
    > "$ROOT/$part.log" 2>&1 &
  PIDS+=($!)
done
BASE="http://127.0.0.1:$WEB_PORT"
for _ in $(seq 60); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "$BASE/healthz" >/dev/null || { tail -20 "$ROOT/web.log"; fail "the web app does not answer"; }

say "8. readings flow: the simulator publishes with its own login"
(cd "$HERE" && FARM_MQTT_URL="mqtt://simulator:$SIM_PW@127.0.0.1:$MQTT_PORT" \
   timeout 20 "$PYTHON" -m farm simulate --interval 1 --greenhouses GH-001,GH-002,GH-003 > "$ROOT/sim.log" 2>&1) || true
rows=0
for _ in $(seq 30); do
  rows="$(curl -fs "http://127.0.0.1:$INGEST_METRICS/metrics" | awk '$1=="farm_ingest_rows_total"{print int($2)}')"
  [ "${rows:-0}" -gt 0 ] && break; sleep 1
done
[ "${rows:-0}" -gt 0 ] || { tail -20 "$ROOT/ingest.log"; fail "the ingest stored no readings"; }
echo "   the ingest's metrics: farm_ingest_rows_total $rows"

say "9. health: every part well"
health=""
for _ in $(seq 30); do
  health="$(curl -fs "$BASE/healthz")"
  echo "$health" | grep -q '"status":"ok"' && break; sleep 1
done
echo "   $health"
echo "$health" | grep -q '"status":"ok"' || fail "/healthz is not ok"
curl -fs "$BASE/metrics" | grep -q '^farm_http_requests_total' || fail "/metrics shows no request counters"
jobs_seen=0
for _ in $(seq 90); do  # the first runs start with the scheduler; the first to finish shows here
  curl -fs "http://127.0.0.1:$SCHEDULER_METRICS/metrics" | grep -q '^farm_job_duration_seconds_count' \
    && { jobs_seen=1; break; }
  sleep 1
done
[ "$jobs_seen" = 1 ] || { tail -20 "$ROOT/scheduler.log"; fail "the scheduler's metrics show no job run"; }
code="$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 192.0.2.1' "$BASE/metrics")"
[ "$code" = 401 ] || fail "/metrics through a proxy answered $code, not 401"
code="$(curl -s -o /dev/null -w '%{http_code}' "$BASE/login")"
[ "$code" = 200 ] || fail "the login page answered $code"

say "10. a backup, restored into an empty database, holds the same rows"
backup="$(run "$PYTHON" -m farm backup | tail -n 1)"
[ -f "$backup" ] || fail "no backup file"
psql "$PGURL" -qc "CREATE DATABASE \"${DB}_restored\"" >/dev/null
RESTORED_URL="${DB_URL%/*}/${DB}_restored"
run env FARM_DATABASE_URL="$RESTORED_URL" "$PYTHON" -m farm restore "$backup"
# The running system keeps writing; compare with the backup's own contents rather than the live database.
original="$(pg_restore --list "$backup" | grep -c 'TABLE DATA')"
restored_tables="$(psql "${PGURL%/*}/${DB}_restored" -Atc "SELECT count(*) FROM information_schema.tables WHERE table_schema='public' AND table_type='BASE TABLE'")"
[ "$original" = "$restored_tables" ] || fail "the restore holds $restored_tables tables, the backup $original"
refused=0; run "$PYTHON" -m farm restore "$backup" 2>/dev/null || refused=1
[ "$refused" = 1 ] || fail "restore into the running, non-empty database was not refused"
echo "   restored $restored_tables tables; restoring into the live database is refused"

say "11. nginx -t and systemd-analyze verify"
if command -v nginx >/dev/null; then
  mkdir -p "$ROOT/nginx/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=park.example.cn \
    -keyout "$ROOT/nginx/tls/privkey.pem" -out "$ROOT/nginx/tls/fullchain.pem" 2>/dev/null
  sed -e "s|/etc/farm/tls/|$ROOT/nginx/tls/|" -e "s|PARK_HOSTNAME|park.example.cn|" \
    "$HERE/deploy/nginx/farm.conf" > "$ROOT/nginx/farm.conf"
  printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp { include %s/nginx/farm.conf; }\n' "$ROOT" "$ROOT" \
    > "$ROOT/nginx/nginx.conf"
  nginx -t -c "$ROOT/nginx/nginx.conf" || fail "nginx -t"
else
  echo "   nginx is not installed here: nginx -t skipped"
fi
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$ROOT/units"
  for part in web ingest scheduler; do
    sed -e "s|/opt/farm/.venv/bin/python|$PYTHON|" -e "s|/opt/farm|$HERE|" -e "s|/etc/farm/farm.env|$ROOT/etc/farm/farm.env|" \
      "$HERE/deploy/systemd/farm-$part.service" > "$ROOT/units/farm-$part.service"
  done
  # The template for several ingests (deploy/README.md, section 10), verified as one of its instances.
  sed -e "s|/opt/farm/.venv/bin/python|$PYTHON|" -e "s|/opt/farm|$HERE|" -e "s|/etc/farm/farm.env|$ROOT/etc/farm/farm.env|" \
    "$HERE/deploy/systemd/farm-ingest@.service" > "$ROOT/units/farm-ingest@9111.service"
  SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$ROOT"/units/*.service 2>&1 | tee "$ROOT/verify.log"
  if grep -v -e 'Failed to connect' -e 'No such file or directory' -e '^$' "$ROOT/verify.log" | grep -q .; then
    fail "systemd-analyze verify found problems"
  fi
else
  echo "   systemd-analyze is not installed here: skipped"
fi

say "12. stop: each process exits cleanly on SIGTERM"
for i in 1 2 3; do
  pid="${PIDS[$i]}"
  kill -TERM "$pid"
  status=0; wait "$pid" || status=$?
  [ "$status" = 0 ] || { cat "$ROOT"/*.log | tail -30; fail "a process exited with $status on SIGTERM"; }
done
PIDS=("${PIDS[0]}")
echo
echo "SMOKE OK"
