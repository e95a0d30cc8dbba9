#!/usr/bin/env bash
# Writes a migration from the last committed schema to the working one. `prisma migrate dev`
# cannot run here (it introspects a live database with a native engine), so diff the schemas.
# usage: npm run migration:new -- <name>
set -euo pipefail
name=${1:?usage: npm run migration:new -- <name>}
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
old=$(mktemp)
sql=$(mktemp)
trap 'rm -f "$old" "$sql"' EXIT
git show HEAD:prisma/schema.prisma > "$old"
# The diff compares two schema files, but the CLI's driver adapter still connects: to a database
# that always exists unless one is named.
DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
  npx prisma migrate diff --from-schema-datamodel "$old" --to-schema-datamodel prisma/schema.prisma --script > "$sql"
if ! grep -q '[^[:space:]]' "$sql" || grep -qx -- '-- This is an empty migration.' "$sql"; then
  echo "no schema change against HEAD: nothing written" >&2
  exit 1
fi
mkdir -p "$dir"
cp "$sql" "$dir/migration.sql"
echo "$dir/migration.sql"
