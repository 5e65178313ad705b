// `npm run build`: esbuild, in well under a second.
//  1. shared/scim/validators.generated.cjs (the ajv validators as standalone code) and
//     docs/scim-schema.md, generated from the schemas in shared/scim/schemas.ts by
//     local/build/validators-codegen.mjs (each rewritten only when it changes).
//  2. dist/app.js: the deployed package's `main`, one minified ESM bundle that imports every
//     functions/*.ts (each registers itself through shared/functions/registry.ts), then calls
//     setupApp() (HTTP streaming) once; @azure/identity sits in a lazily loaded chunk.
//  3. dist/admin.js: the admin CLI, bundled the same way (npm run admin).
//  4. dist/**: every TypeScript file transpiled one to one, for the local host, admin CLI and
//     benchmark (`npm start` serves these; type checking is `npm run typecheck`).
//  5. with --portal (`npm run build`, `npm start`): dist/portal, by `npm run build:portal`, only
//     when the portal's inputs changed since its last build (see build-stamp.mjs).
// dist/portal is kept across builds: only the portal's own build replaces it.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  globSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generatedFiles } from "./validators-codegen.mjs";
import { PORTAL_STAMP, isStale, portalInputs, portalIsCurrent, stamp } from "./build-stamp.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
process.chdir(root);
const only = process.argv.includes("--validators-only");
// --if-stale: nothing to do when no source changed since the last build.
if (process.argv.includes("--if-stale") && !isStale()) process.exit(0);

/** What the generated files are made of (see generatedFiles), from the TypeScript source, bundled without the generated module. */
export async function loadSchemaSource() {
  const out = join(root, "dist", ".gen", "validate.mjs");
  await build({
    stdin: {
      contents: [
        'export { resourceSchema, DATE_TIME } from "./shared/scim/validate.ts";',
        'export { RESOURCE_TYPE_NAMES } from "./shared/scim/schemas.ts";',
        'export { schemaDocuments, resourceTypes } from "./shared/scim/discovery.ts";',
      ].join("\n"),
      resolveDir: root,
      sourcefile: "codegen-source.ts",
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: out,
    logLevel: "warning",
    plugins: [
      {
        name: "no-generated-validators",
        setup(b) {
          b.onResolve({ filter: /validators\.generated\.cjs$/ }, () => ({ path: "stub", namespace: "stub" }));
          b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export {}", loader: "js" }));
        },
      },
    ],
  });
  return import(`${pathToFileURL(out).href}?${Date.now()}`);
}

for (const { path, text } of generatedFiles(await loadSchemaSource())) {
  const current = existsSync(path) ? readFileSync(path, "utf8") : "";
  if (current !== text) {
    writeFileSync(path, text);
    console.log(`build: wrote ${path}`);
  }
}
if (only) process.exit(0);

for (const entry of existsSync("dist") ? readdirSync("dist") : [])
  if (entry !== "portal") rmSync(join("dist", entry), { recursive: true, force: true });
const functions = readdirSync("functions")
  .filter((f) => f.endsWith(".ts"))
  .sort();
const shared = {
  platform: "node",
  target: "node22",
  format: "esm",
  logLevel: "warning",
  sourcemap: true,
};

await Promise.all([
  build({
    ...shared,
    stdin: {
      // The entry point: every function file registers itself, then the app's start-up options are set, once.
      contents: [
        'import { setupApp } from "./shared/functions/registry.ts";',
        ...functions.map((f) => `import "./functions/${f}";`),
        "setupApp();",
      ].join("\n"),
      resolveDir: root,
      sourcefile: "app.ts",
      loader: "ts",
    },
    bundle: true,
    splitting: true,
    minify: true,
    outdir: "dist",
    entryNames: "app",
    chunkNames: "chunks/[name]-[hash]",
    // The Functions worker provides @azure/functions-core; CommonJS packages inside need `require`.
    external: ["@azure/functions-core"],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    legalComments: "linked",
  }),
  // The admin CLI as one bundle too: a command answers without resolving hundreds of modules.
  build({
    ...shared,
    entryPoints: { admin: "local/cli/admin.ts" },
    bundle: true,
    splitting: true,
    minify: true,
    outdir: "dist",
    chunkNames: "chunks/admin-[name]-[hash]",
    external: ["@azure/functions-core"],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    legalComments: "linked",
  }),
  build({
    ...shared,
    entryPoints: globSync("{functions,shared,local}/**/*.ts").filter(
      (f) => !f.endsWith(".d.ts") && !f.endsWith(".d.cts"),
    ),
    outdir: "dist",
    outbase: ".",
  }),
]);
for (const file of globSync("shared/**/*.{json,cjs}")) {
  mkdirSync(dirname(join("dist", file)), { recursive: true });
  copyFileSync(file, join("dist", file));
}
stamp();
console.log(`build: dist/app.js (${functions.length} functions), dist/admin.js and dist/{functions,shared,local}`);

if (process.argv.includes("--portal")) {
  const inputs = portalInputs();
  if (portalIsCurrent(inputs)) {
    console.log("build: dist/portal is current (portal/ unchanged since its last build)");
  } else {
    rmSync(PORTAL_STAMP, { force: true });
    const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
    const built = spawnSync(npm[0], [...npm[1], "run", "--silent", "build:portal"], { stdio: "inherit" });
    if (built.status !== 0) process.exit(built.status ?? 1);
    writeFileSync(PORTAL_STAMP, inputs);
    console.log("build: dist/portal");
  }
}
