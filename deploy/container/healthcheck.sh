#!/bin/bash
# The container's HEALTHCHECK: exits 0 when GET /v2/health/ready on this container's HTTP port
# answers 200, 1 otherwise. bash's /dev/tcp does the request, so the image needs no curl.
# The port is $BERTH_HTTP_PORT (default 8000): give the port that way, not with --http-port,
# for the probe to follow it.
set -u
port=${BERTH_HTTP_PORT:-8000}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /v2/health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) exit 1 ;;
esac
