#!/usr/bin/env bash
# Writes a migration from the last committed schema to the working one. `prisma migrate dev`
# cannot run here (it introspects a live database with a native engine), so diff the schemas.
# usage: npm run migration:new -- <name>
set -euo pipefail
name=${1:?usage: npm run migration:new -- <name>}
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
old=$(mktemp)
git show HEAD:prisma/schema.prisma > "$old"
mkdir -p "$dir"
npx prisma migrate diff --from-schema-datamodel "$old" --to-schema-datamodel prisma/schema.prisma --script > "$dir/migration.sql"
rm -f "$old"
echo "$dir/migration.sql"
