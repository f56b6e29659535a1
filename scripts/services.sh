#!/usr/bin/env bash
# Installs and starts what the test suite needs beyond Python packages:
#   - a PostgreSQL server of its own (cluster "dateline", 127.0.0.1:5433, role and password
#     "dateline", database "dateline_test"), so the store and API tests run on PostgreSQL too;
#   - Debian's Chromium at /usr/bin/chromium, which Playwright drives in the browser tests.
# Every part is idempotent: a second run only checks that the server is up. It exports nothing:
# the tests know the URL (postgresql://dateline:dateline@127.0.0.1:5433/dateline_test, or
# DATELINE_TEST_PG when set).
set -euo pipefail

PG_PORT=5433
PG_CLUSTER=dateline
PG_USER=dateline
PG_PASSWORD=dateline
PG_DB=dateline_test

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

missing=()
command -v pg_createcluster >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "services: installing ${missing[*]} (Debian packages)"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The newest installed PostgreSQL major version.
PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)

if ! pg_lsclusters -h | awk -v c="$PG_CLUSTER" '$2 == c {found=1} END {exit !found}'; then
  # listen_addresses stays at the default, localhost: loopback only.
  "${SUDO[@]}" pg_createcluster -q "$PG_VERSION" "$PG_CLUSTER" -p "$PG_PORT" \
    -o fsync=off -o synchronous_commit=off -o full_page_writes=off \
    >/dev/null
fi
if ! pg_lsclusters -h | awk -v c="$PG_CLUSTER" '$2 == c && $4 == "online" {found=1} END {exit !found}'; then
  "${SUDO[@]}" pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
fi

if [ "$(id -u)" -eq 0 ]; then AS_POSTGRES=(runuser -u postgres --); else AS_POSTGRES=(sudo -u postgres); fi
psql_admin() { "${AS_POSTGRES[@]}" psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -h /var/run/postgresql "$@"; }

for _ in $(seq 1 30); do
  psql_admin -d postgres -tAc "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.5
done
if [ "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != "1" ]; then
  psql_admin -d postgres -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD' CREATEDB"
fi
if [ "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
  # Byte-order collation (like SQLite's) so both backends sort ids and dates the same way;
  # a UTF-8 ctype so full-text search splits words in every script.
  psql_admin -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_USER TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
fi
echo "services: PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT, Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
