#!/usr/bin/env bash
# Runs the Odoo tests of the LexReply addon on a real Odoo 18 in a throwaway database.
#
#   ODOO_SRC=/work/odoo-src ODOO_ADDONS=/work/odoo-addons npm run test:odoo
#
# ODOO_SRC     an Odoo 18 source tree (holds odoo-bin)                    (required)
# ODOO_ADDONS  a folder holding OCA helpdesk_mgmt (18.0)                    (required)
# ODOO_PYTHON  the python that has Odoo's dependencies (default /usr/bin/python3)
# PGHOST PGPORT PGUSER PGPASSWORD   database connection (defaults: 127.0.0.1, 5432, odoo, -)
# ODOO_TEST_MODULES  modules to install and test (default lexreply,lexreply_helpdesk_mgmt)
# KEEP_DB=1    keep the database afterwards; ODOO_TEST_LOG=path  keep the log there
set -uo pipefail

if [ -z "${ODOO_SRC:-}" ]; then
  echo "test:odoo skipped: set ODOO_SRC to an Odoo 18 source tree and ODOO_ADDONS to a folder holding helpdesk_mgmt"
  exit 0
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${ODOO_PYTHON:-/usr/bin/python3}"
modules="${ODOO_TEST_MODULES:-lexreply,lexreply_helpdesk_mgmt}"

fail() { echo "test:odoo: $*" >&2; echo "odoo tests: 0 passed, 1 failed"; exit 1; }

[ -f "$ODOO_SRC/odoo-bin" ] || fail "no odoo-bin in ODOO_SRC=$ODOO_SRC"
[ -n "${ODOO_ADDONS:-}" ] || fail "set ODOO_ADDONS to a folder holding helpdesk_mgmt"
[ -d "$ODOO_ADDONS/helpdesk_mgmt" ] || fail "no helpdesk_mgmt in ODOO_ADDONS=$ODOO_ADDONS"
[ -x "$python" ] || fail "python not found: $python (set ODOO_PYTHON)"

addons="$ODOO_SRC/addons"
[ -d "$ODOO_SRC/odoo/addons" ] && addons="$addons,$ODOO_SRC/odoo/addons"
addons="$addons,$ODOO_ADDONS,$repo/odoo_addon"

db_host="${PGHOST:-127.0.0.1}"
db_port="${PGPORT:-5432}"
db_user="${PGUSER:-odoo}"
db="lexreply_test_$(date +%s)_$$"
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="${ODOO_TEST_LOG:-$(mktemp -t lexreply-odoo-test.XXXXXX.log)}"

tags=""
IFS=',' read -ra mods <<< "$modules"
for m in "${mods[@]}"; do tags="${tags:+$tags,}/$m"; done

db_args=(--db_host="$db_host" --db_port="$db_port" --db_user="$db_user")
[ -n "${PGPASSWORD:-}" ] && db_args+=(--db_password="$PGPASSWORD")

drop_db() {
  [ "${KEEP_DB:-}" = "1" ] && { echo "test:odoo: kept database $db"; return; }
  "$python" - "$db" "$db_host" "$db_port" "$db_user" <<'PY' >/dev/null 2>&1 || true
import os, sys, psycopg2
db, host, port, user = sys.argv[1:5]
conn = psycopg2.connect(dbname="postgres", host=host, port=port, user=user,
                        password=os.environ.get("PGPASSWORD") or None)
conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "%s"' % db)
PY
}
trap drop_db EXIT

echo "test:odoo: installing $modules on a fresh database $db (Odoo at $ODOO_SRC, log $log)"
start=$(date +%s)
# Demo data is loaded (Odoo's default on a new database). Note: do not pass
# --without-demo=False: Odoo 18 reads the string "False" as true and skips demo.
"$python" "$ODOO_SRC/odoo-bin" \
  --addons-path="$addons" \
  "${db_args[@]}" \
  -d "$db" \
  -i "$modules" \
  --test-enable --test-tags "$tags" \
  --stop-after-init --log-level=test \
  --http-interface=127.0.0.1 --http-port="$port" \
  --gevent-port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')" \
  --smtp=127.0.0.1 --smtp-port=1 \
  --max-cron-threads=0 \
  >"$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))

# "N failed, M error(s) of T tests when loading database" is Odoo's own summary.
summary="$(grep -E 'odoo\.tests\.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -1)"
failures="$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log")"
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1/' <<<"$summary")
  errors=$(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\2/' <<<"$summary")
  total=$(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\3/' <<<"$summary")
  bad=$((failed + errors))
  passed=$((total - bad))
else
  total=0; bad=0; passed=0
  grep -q "tests when loading database" "$log" || grep -qE "Starting .*\.test_" "$log" || true
fi

# Show what went wrong, if anything.
if [ "$failures" -gt 0 ] || [ "$rc" -ne 0 ]; then
  echo "---- errors from the Odoo log ($log) ----"
  grep -nE ' (ERROR|CRITICAL) |^Traceback|^[A-Za-z.]*(Error|Exception):|^(FAIL|ERROR):' "$log" | head -80
  echo "----"
fi

# A failure logged outside the test result (install error, crash) counts too.
if [ "$bad" -eq 0 ] && { [ "$failures" -gt 0 ] || [ "$rc" -ne 0 ] || [ "$total" -eq 0 ]; }; then
  bad=1
fi

echo "test:odoo: odoo exit code $rc, ${elapsed}s, $total tests run"
echo "odoo tests: $passed passed, $bad failed"
[ "$bad" -eq 0 ] && [ "$rc" -eq 0 ]
