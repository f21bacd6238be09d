#!/bin/sh
# The container's entrypoint (also runs on any host with collab-bot installed):
#   entrypoint.sh web [serve options]  migrate the database, then the HTTP server (gunicorn)
#   entrypoint.sh clock                migrate the database, then the clock (collab-bot scheduler)
#   entrypoint.sh migrate              migrate the database only
#   entrypoint.sh COMMAND [ARGS]       any other collab-bot command, e.g. `load /config/collab.yaml`
# The server is exec'd, so it receives SIGTERM itself: gunicorn stops accepting connections and
# finishes the requests in flight (graceful_timeout), the clock finishes its current poll.
# Concurrent migrations (web and clock starting together) wait for each other on PostgreSQL.
set -eu

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
  web)
    collab-bot db upgrade
    exec collab-bot serve "$@"
    ;;
  clock)
    collab-bot db upgrade
    exec collab-bot scheduler "$@"
    ;;
  migrate)
    exec collab-bot db upgrade
    ;;
  *)
    exec collab-bot "$role" "$@"
    ;;
esac
