#!/bin/sh
# The namespace aifb runs in, created once (a new server has none) with a retention for closed
# workflow histories. aifb's search attributes are registered by the API at its start
# (control/search-attributes.ts), through the same operator API.
# Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default "default"),
# TEMPORAL_NAMESPACE_RETENTION (default 720h: 30 days).
set -eu
ns=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_NAMESPACE_RETENTION:-720h}
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "Temporal at ${TEMPORAL_ADDRESS:-?} not healthy after 60 tries" >&2; exit 1; }
  sleep 2
done
if temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  echo "namespace $ns exists"
else
  temporal operator namespace create --namespace "$ns" --retention "$retention"
  echo "namespace $ns created (retention $retention)"
fi
