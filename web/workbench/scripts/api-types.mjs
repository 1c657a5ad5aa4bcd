// openapi/<service>.json (written from the services by scripts/export_openapi.py) →
// src/api/generated/<service>.ts. Run first by `npm run build`, so that vue-tsc fails
// the build when an API the workbench uses has changed.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, "openapi");
const target = join(root, "src", "api", "generated");
mkdirSync(target, { recursive: true });
for (const file of readdirSync(source).filter((f) => f.endsWith(".json")).sort()) {
  const schema = JSON.parse(readFileSync(join(source, file), "utf8"));
  const ast = await openapiTS(schema);
  const out = join(target, file.replace(/\.json$/, ".ts"));
  writeFileSync(out, `// Generated from openapi/${file} by scripts/api-types.mjs; do not edit.\n${astToString(ast)}`);
  console.log(`api types: ${file} → src/api/generated/${file.replace(/\.json$/, ".ts")}`);
}
