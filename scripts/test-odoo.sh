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
# ODOO_EXTRA_MODULES modules installed too, e.g. test_mail (their tests run only when tagged)
# ODOO_TEST_TAGS     Odoo --test-tags (default: every module of ODOO_TEST_MODULES), e.g.
#                    "/lexreply,/lexreply_helpdesk_mgmt,/test_mail:TestMailgateway,/helpdesk_mgmt"
# ODOO_UPSTREAM=1    also run, on the same database with LexReply installed, helpdesk_mgmt's own
#                    tests and Odoo's mail gateway tests (test_mail's test_mail_gateway.py),
#                    each file with the full registry loaded (--test-file)
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
log="${ODOO_TEST_LOG:-$(mktemp -t lexreply-odoo-test.XXXXXX.log)}"

tags="${ODOO_TEST_TAGS:-}"
if [ -z "$tags" ]; then
  IFS=',' read -ra mods <<< "$modules"
  for m in "${mods[@]}"; do tags="${tags:+$tags,}/$m"; done
fi
[ -n "${ODOO_EXTRA_MODULES:-}" ] && modules="$modules,$ODOO_EXTRA_MODULES"
upstream_files=()
if [ "${ODOO_UPSTREAM:-}" = "1" ]; then
  modules="$modules,test_mail"
  upstream_files=("$ODOO_ADDONS"/helpdesk_mgmt/tests/test_*.py "$ODOO_SRC/addons/test_mail/tests/test_mail_gateway.py")
fi

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
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
run_odoo() {
  "$python" "$ODOO_SRC/odoo-bin" \
    --addons-path="$addons" \
    "${db_args[@]}" \
    -d "$db" \
    --stop-after-init --log-level=test \
    --http-interface=127.0.0.1 --http-port="$(free_port)" \
    --gevent-port="$(free_port)" \
    --smtp=127.0.0.1 --smtp-port=1 \
    --max-cron-threads=0 \
    "$@" >>"$log" 2>&1
}
: >"$log"
run_odoo -i "$modules" --test-enable --test-tags "$tags"
rc=$?
for file in "${upstream_files[@]}"; do
  echo "test:odoo: upstream tests of $file with LexReply installed"
  # A tag no test has: only the file's tests run, then Odoo prints its summary.
  run_odoo --test-enable --test-tags "/lexreply_none" --test-file="$file" || rc=$?
done
elapsed=$(( $(date +%s) - start ))

# "N failed, M error(s) of T tests when loading database" is Odoo's own summary, once per run.
failures="$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log")"
read -r total bad < <(grep -oE 'odoo\.tests\.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" |
  sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/' |
  awk '{ bad += $1 + $2; total += $3 } END { print total + 0, bad + 0 }')
passed=$((total - bad))

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
