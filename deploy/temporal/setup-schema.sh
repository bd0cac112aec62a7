#!/bin/sh
# Temporal's PostgreSQL schema: creates the two databases the first time and migrates both to
# the schema of this temporal-sql-tool's version on every run (idempotent: setup-schema skips a
# database already past 0.0, update-schema applies only newer versioned migrations). The schema
# comes embedded in the tool (--schema-name), so the tool's version is the schema's version: run
# it with the admin-tools image of the server's version (docker-compose.yml's temporal-schema) or
# the temporal-sql-tool that setup builds (the deploy test tier runs this very script).
# Environment (read by temporal-sql-tool itself): SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER,
# SQL_PASSWORD; plus DBNAME and VISIBILITY_DBNAME (the server's names for them).
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}"
db=${DBNAME:-temporal}
visibility=${VISIBILITY_DBNAME:-temporal_visibility}

for name in "$db" "$visibility"; do
  # An existing database is left as is; a create that failed for another reason makes
  # setup-schema below fail with the real error.
  temporal-sql-tool --db "$name" create-database >/dev/null 2>&1 || echo "database $name not created (exists?)"
  temporal-sql-tool --db "$name" setup-schema -v 0.0
done
temporal-sql-tool --db "$db" update-schema --schema-name postgresql/v12/temporal
temporal-sql-tool --db "$visibility" update-schema --schema-name postgresql/v12/visibility
echo "Temporal schema ready in $db and $visibility"
