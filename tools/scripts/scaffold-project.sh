#!/usr/bin/env bash
# Stamps a new Nx project (app or lib) with the workspace's conventions:
#   tools/scripts/scaffold-project.sh <root> <name> <comma-separated tags> [<import alias>]
# e.g. tools/scripts/scaffold-project.sh libs/ingest/data-access ingest-data-access scope:ingest,type:data-access @gridwerk/ingest/data-access
# A lib with an alias gets src/index.ts and a path in tsconfig.base.json.
set -euo pipefail
root=$1 name=$2 tags=$3 alias=${4:-}
top=$(git rev-parse --show-toplevel)
depth=$(awk -F/ '{print NF}' <<<"$root")
up=$(printf '../%.0s' $(seq 1 "$depth"))
kind=library; [[ $root == apps/* ]] && kind=application
mkdir -p "$top/$root/src"
tagjson=$(printf '%s' "$tags" | awk -F, '{for(i=1;i<=NF;i++){printf "%s\"%s\"", (i>1?", ":""), $i}}')
cat >"$top/$root/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "${up}node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "$kind",
  "tags": [$tagjson],
  "targets": { "lint": {}, "typecheck": {}, "test": {} }
}
JSON
cat >"$top/$root/tsconfig.json" <<JSON
{
  "extends": "${up}tsconfig.base.json",
  "include": ["src/**/*.ts", "*.ts"]
}
JSON
cat >"$top/$root/tsconfig.spec.json" <<JSON
{
  "extends": "./tsconfig.json",
  "compilerOptions": { "types": ["node", "jest"], "isolatedModules": true }
}
JSON
# test files need jest types too: the project tsconfig includes them
sed -i 's/"include"/"compilerOptions": { "types": ["node", "jest"] },\n  "include"/' "$top/$root/tsconfig.json"
cat >"$top/$root/jest.config.ts" <<TS
export default {
  displayName: '$name',
  preset: '${up}jest.preset.js',
  rootDir: '.',
};
TS
if [[ -n $alias ]]; then
  [[ -f "$top/$root/src/index.ts" ]] || echo "export {};" >"$top/$root/src/index.ts"
  node -e '
    const fs=require("fs"); const f=process.argv[1]; const j=JSON.parse(fs.readFileSync(f,"utf8"));
    j.compilerOptions.paths[process.argv[2]]=[process.argv[3]+"/src/index.ts"];
    j.compilerOptions.paths=Object.fromEntries(Object.entries(j.compilerOptions.paths).sort());
    fs.writeFileSync(f, JSON.stringify(j,null,2)+"\n");' "$top/tsconfig.base.json" "$alias" "$root"
fi
echo "scaffolded $name at $root"
