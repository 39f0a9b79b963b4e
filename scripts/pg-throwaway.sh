#!/usr/bin/env bash
# Throwaway PostgreSQL server for the rareledger test suite.
#
#   scripts/pg-throwaway.sh start   # init (if needed) + start; prints the URL on stdout
#   scripts/pg-throwaway.sh url     # prints the URL on stdout
#   scripts/pg-throwaway.sh status  # exit 0 if running, 3 if not
#   scripts/pg-throwaway.sh stop    # stop the server and delete its directory
#
# Only the URL goes to stdout; all diagnostics go to stderr, so
#   export RARELEDGER_TEST_POSTGRES_URL="$(scripts/pg-throwaway.sh start)"
# is safe.
#
# Environment:
#   RARELEDGER_PG_DIR     base directory (default /tmp/rareledger-pg); deleted by `stop`
#   RARELEDGER_PG_PORT    TCP port on 127.0.0.1 (default 54329)
#   RARELEDGER_PG_BINDIR  directory holding initdb/pg_ctl (default: PATH, then the
#                         highest /usr/lib/postgresql/*/bin)
#
# PostgreSQL refuses to run as root; when run as root the server runs as the
# `postgres` system user (created if missing). The database is fsync=off etc.:
# never put anything in it that you want to keep.
set -euo pipefail

# Keep the real stdout on fd 3 for the URL; everything else goes to stderr.
exec 3>&1 1>&2

readonly DB_NAME=rareledger_test
readonly PG_SUPERUSER=postgres # database role created by initdb
readonly OS_USER=postgres      # OS account the server runs as when we are root
readonly MARKER=.rareledger-pg-throwaway

BASE=${RARELEDGER_PG_DIR:-/tmp/rareledger-pg}
PORT=${RARELEDGER_PG_PORT:-54329}

log() { printf 'pg-throwaway: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

[[ $PORT =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || die "invalid port: $PORT"
[[ -n $BASE ]] || die "RARELEDGER_PG_DIR is empty"
# Make BASE absolute and normalised (it need not exist yet).
if [[ $BASE != /* ]]; then BASE="$PWD/$BASE"; fi
BASE=$(realpath -m -- "$BASE")
case "$BASE" in
/ | /tmp | /var | /var/tmp | /root | /home | /usr | /etc) die "refusing to use $BASE as the throwaway directory" ;;
esac
readonly BASE PORT
readonly DATA="$BASE/data" SOCK="$BASE/sock" LOGFILE="$BASE/postgres.log"
# Unix socket paths are limited to ~107 bytes.
((${#SOCK} + 20 < 107)) || die "RARELEDGER_PG_DIR is too long for a unix socket path: $BASE"

# Do not let the caller's libpq environment redirect or alter our connections.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSERVICEFILE PGOPTIONS PGPASSWORD PGDATA PGSSLMODE || true

# Work from a directory the postgres user can read (the caller's cwd may be /root).
cd /

url() { printf 'postgresql://%s@127.0.0.1:%s/%s\n' "$PG_SUPERUSER" "$PORT" "$DB_NAME"; }

# ---------------------------------------------------------------- binaries ---

BINDIR=
find_bindir() {
    local d
    if [[ -n ${RARELEDGER_PG_BINDIR:-} ]]; then
        [[ -x $RARELEDGER_PG_BINDIR/initdb && -x $RARELEDGER_PG_BINDIR/pg_ctl ]] ||
            die "RARELEDGER_PG_BINDIR=$RARELEDGER_PG_BINDIR has no initdb/pg_ctl"
        BINDIR=$RARELEDGER_PG_BINDIR
        return
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        # Resolve symlinks so that sibling tools (postgres, psql, ...) are found too.
        d=$(dirname -- "$(readlink -f -- "$(command -v pg_ctl)")")
        if [[ -x $d/initdb && -x $d/postgres ]]; then
            BINDIR=$d
            return
        fi
    fi
    while IFS= read -r d; do
        if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
            BINDIR=$d
            return
        fi
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -t/ -k5,5Vr)
    die "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin;" \
        "install them (e.g. apt-get install postgresql)"
}

# A client tool: prefer the one next to the server, fall back to PATH.
tool() {
    if [[ -x $BINDIR/$1 ]]; then
        printf '%s\n' "$BINDIR/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        die "$1 not found"
    fi
}

# ------------------------------------------------------------------- users ---

is_root() { [[ $(id -u) -eq 0 ]]; }

# Run a command as the server's OS user (or as ourselves when not root).
as_pg() {
    if ! is_root; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$OS_USER" -- "$@"
    else
        su -s /bin/bash "$OS_USER" -c "$(printf '%q ' "$@")"
    fi
}

# Run a command with every file descriptor above 2 closed. Used for
# `pg_ctl start`: the long-lived server must not inherit our URL pipe (fd 3,
# which would make `$(... start)` hang) or the lock file (fd 9).
without_extra_fds() {
    (
        local fd
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then eval "exec $fd>&-"; fi
        done
        "$@"
    )
}

ensure_os_user() {
    is_root || return 0
    getent passwd "$OS_USER" >/dev/null && return 0
    log "creating system user $OS_USER"
    local group_opt=(--user-group)
    getent group "$OS_USER" >/dev/null && group_opt=(--gid "$OS_USER")
    useradd --system "${group_opt[@]}" --no-create-home --home-dir /var/lib/postgresql \
        --shell /bin/bash --comment 'PostgreSQL administrator' "$OS_USER"
}

# ----------------------------------------------------------------- helpers ---

is_running() {
    [[ -f $DATA/postmaster.pid ]] || return 1
    # A killed postmaster can linger as a zombie when PID 1 does not reap
    # children (common in containers); pg_ctl would still report it as running.
    local pid state
    pid=$(sed -n 1p "$DATA/postmaster.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]]; then
        state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)
        [[ $state == Z || $state == X ]] && return 1
    fi
    as_pg "$BINDIR/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

# The port the running server was started with (line 4 of postmaster.pid).
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true; }

binary_major() {
    "$BINDIR/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/;q'
}

wipe_base() {
    if [[ -e $BASE ]]; then
        if [[ ! -e $BASE/$MARKER ]] && [[ -n $(ls -A -- "$BASE" 2>/dev/null) ]]; then
            die "$BASE exists, is not empty and was not created by this script; refusing to delete it"
        fi
        rm -rf -- "$BASE"
    fi
}

show_log() {
    if [[ -f $LOGFILE ]]; then
        log "---- last lines of $LOGFILE ----"
        tail -n 40 -- "$LOGFILE" >&2 || true
        log "--------------------------------"
    fi
}

pick_locale() {
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
        echo C.UTF-8
    else
        echo C
    fi
}

# --------------------------------------------------------------- commands ----

init_cluster() {
    log "initialising cluster in $DATA (PostgreSQL $(binary_major), binaries in $BINDIR)"
    wipe_base
    mkdir -p -- "$BASE"
    touch -- "$BASE/$MARKER"
    mkdir -p -- "$DATA" "$SOCK"
    chmod 0755 "$BASE"
    chmod 0700 "$DATA"
    if is_root; then chown -R "$OS_USER:" "$BASE"; fi
    # initdb needs the parent directories to be traversable by the server user.
    as_pg test -w "$DATA" ||
        die "user $OS_USER cannot write to $DATA (is a parent directory of $BASE not traversable?)"

    if ! as_pg "$BINDIR/initdb" -D "$DATA" -A trust -U "$PG_SUPERUSER" --no-sync \
        -E UTF8 --locale="$(pick_locale)" >"$BASE/initdb.log" 2>&1; then
        cat -- "$BASE/initdb.log" >&2 || true
        die "initdb failed"
    fi

    cat >>"$DATA/postgresql.conf" <<'EOF'

# ---- rareledger throwaway test server: durability deliberately disabled ----
include_if_exists = 'rareledger-throwaway.conf'
EOF
    touch -- "$BASE/.initialised"
}

write_runtime_conf() {
    # Rewritten on every start so RARELEDGER_PG_PORT / RARELEDGER_PG_DIR changes apply.
    cat >"$DATA/rareledger-throwaway.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 30min
max_wal_size = 1GB
logging_collector = off
log_min_messages = warning
EOF
    if is_root; then chown "$OS_USER:" "$DATA/rareledger-throwaway.conf"; fi
}

wait_ready() {
    local isready i
    isready=$(tool pg_isready)
    for ((i = 0; i < 120; i++)); do
        if "$isready" -q -h 127.0.0.1 -p "$PORT" -U "$PG_SUPERUSER" -d postgres; then
            return 0
        fi
        sleep 0.5
    done
    show_log
    die "server did not become ready on 127.0.0.1:$PORT"
}

ensure_database() {
    local psql exists
    psql=$(tool psql)
    local conn=(-X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$PG_SUPERUSER")
    exists=$("$psql" "${conn[@]}" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")
    if [[ $exists != 1 ]]; then
        log "creating database $DB_NAME"
        "$psql" "${conn[@]}" -d postgres -c "CREATE DATABASE $DB_NAME" >&2
    fi
}

cmd_start() {
    find_bindir
    ensure_os_user

    if is_running; then
        local rp
        rp=$(running_port)
        if [[ -n $rp && $rp != "$PORT" ]]; then
            die "a throwaway server is already running from $DATA on port $rp (requested $PORT);" \
                "run '$0 stop' first"
        fi
        log "already running on 127.0.0.1:$PORT"
        wait_ready
        ensure_database
        url >&3
        return 0
    fi

    # (Re)initialise when there is no complete cluster, or it is from another major version.
    if [[ ! -f $BASE/.initialised || ! -f $DATA/PG_VERSION ]] ||
        [[ $(<"$DATA/PG_VERSION") != "$(binary_major)" ]]; then
        init_cluster
    else
        log "reusing existing cluster in $DATA"
        # A crashed server may have left stale pid/socket lock files behind.
        rm -f -- "$DATA/postmaster.pid" "$SOCK"/.s.PGSQL.*
    fi
    write_runtime_conf

    # pg_isready exits 2 when nothing answers on the port at all.
    local probe=0
    "$(tool pg_isready)" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null || probe=$?
    if [[ $probe != 2 ]]; then
        die "something else is already listening on 127.0.0.1:$PORT; set RARELEDGER_PG_PORT"
    fi

    log "starting server on 127.0.0.1:$PORT (log: $LOGFILE)"
    if ! without_extra_fds as_pg "$BINDIR/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 60 -s; then
        show_log
        die "pg_ctl start failed"
    fi
    wait_ready
    ensure_database
    log "ready"
    url >&3
}

cmd_stop() {
    if [[ -f $DATA/postmaster.pid ]]; then
        find_bindir
        if is_running; then
            log "stopping server in $DATA"
            if ! as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m fast -w -t 30 -s; then
                log "fast shutdown failed; trying immediate"
                as_pg "$BINDIR/pg_ctl" stop -D "$DATA" -m immediate -w -t 30 -s || true
            fi
        fi
    fi
    if [[ -e $BASE ]]; then
        log "removing $BASE"
        wipe_base
    else
        log "nothing to stop"
    fi
}

cmd_status() {
    if [[ -f $DATA/postmaster.pid ]]; then
        find_bindir
        if is_running; then
            log "running from $DATA on port $(running_port)"
            return 0
        fi
    fi
    log "not running"
    return 3
}

with_lock() {
    # Serialise concurrent start/stop calls. The lock file lives next to BASE
    # (not inside it) because `stop` deletes BASE.
    if command -v flock >/dev/null 2>&1 && mkdir -p -- "$(dirname -- "$BASE")"; then
        exec 9>"$BASE.lock"
        flock -w 120 9 || die "timed out waiting for lock $BASE.lock"
    fi
    "$@"
}

case "${1:-}" in
start) with_lock cmd_start ;;
stop) with_lock cmd_stop ;;
url) url >&3 ;;
status) cmd_status ;;
*)
    printf 'usage: %s {start|stop|url|status}\n' "$0" >&2
    exit 2
    ;;
esac
