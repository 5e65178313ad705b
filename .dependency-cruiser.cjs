// Layer rules (npm run check:layers, run by .ci/run): layers point one way.
//   functions/ (adapters)  -> shared/http/, shared/operations/, shared/services.ts, the pure scim/ and product/,
//                             and shared/auth/ (the sign-in routes are an HTTP flow: cookies, redirects, CSRF)
//   local/ (adapters)      -> the same, and shared/store/ and shared/queue/ (the local host creates the
//                             containers and runs the queue triggers; the benchmark seeds big groups)
//   local/host/            -> nothing else in local/ (the dev host: embedded store, queue emulator, timers, dev OIDC, faults)
//   local/cli/             -> from local/host/ only the constants local-store.ts, local-queue.ts, dev-workload.ts, and
//                             local/build/build-stamp.mjs (admin.mjs rebuilds when stale); in shared/ no store, queue,
//                             registry, auth or HTTP wrapper (a production tool: operations, product rules, configuration)
//   local/tools/           -> local/host/, local/cli/ (benchmarks and checks drive the host and the CLI); not local/build/
//   local/build/           -> nothing else in local/
//   shared/http/           -> shared/operations/, shared/auth/, shared/scim/, shared/services.ts, shared/functions/registry.ts
//   shared/functions/      -> nothing else in shared/ (the one registry of HTTP, queue and timer functions)
//   shared/operations/     -> shared/scim/, shared/product/, shared/auth/, shared/store/, shared/queue/jobs-queue.ts, shared/config.ts
//   shared/queue/          -> shared/store/errors.ts, shared/config.ts (the job queue client)
//   shared/auth/           -> shared/product/, shared/scim/, shared/store/ (the sign-in core)
//   shared/product/        -> shared/scim/ (pure)
//   shared/scim/           -> nothing else in shared/ (pure)
//   shared/store/          -> shared/scim/ (resource shapes, the filter AST): documents only
//   shared/services.ts     -> shared/store/, shared/config.ts, shared/operations/ (the composition root)
//   shared/contracts/      -> nothing at all (type-only response shapes of the admin API; everyone, the portal too, may import them)
//   no cycles anywhere
const layer = (name, comment, from, allowed) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: "^shared/", pathNot: allowed },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", comment: "No import cycles anywhere.", severity: "error", from: {}, to: { circular: true } },
    layer(
      "functions",
      "functions/ are adapters: they reach the product through shared/http, shared/operations and shared/services.ts, with the pure SCIM core and product rules for parsing, and the sign-in core for the sign-in flow.",
      "^functions/",
      "^shared/(http/|functions/registry\\.ts$|operations/|auth/|scim/|product/|contracts/|services\\.ts$|config\\.ts$)",
    ),
    layer(
      "local",
      "local/ (host/, cli/, tools/) are adapters like functions/; the local host also creates the containers of its embedded store.",
      "^local/",
      "^shared/(http/|functions/|queue/|operations/|scim/|product/|contracts/|auth/|store/|services\\.ts$|config\\.ts$)",
    ),
    {
      name: "local-host",
      comment: "local/host is the dev host: it imports neither the CLI, nor the tools, nor the build.",
      severity: "error",
      from: { path: "^local/host/" },
      to: { path: "^local/", pathNot: "^local/host/" },
    },
    {
      name: "local-cli",
      comment:
        "local/cli is the production admin CLI: from the host only its three constant files (where the embedded store and queue listen, the dev workload id), never the emulators, the dev OpenID provider or the host; from the build only the stamp.",
      severity: "error",
      from: { path: "^local/cli/" },
      to: {
        path: "^local/",
        pathNot: "^local/(cli/|host/(local-store|local-queue|dev-workload)\\.ts$|build/build-stamp\\.mjs$)",
      },
    },
    layer(
      "local-cli-shared",
      "local/cli reaches the product through operations, product rules, the configuration and the composition root; not the store, the queue, the function registry, the sign-in core or the HTTP wrappers.",
      "^local/cli/",
      "^shared/(operations/|product/|scim/|contracts/|http/paths\\.ts$|services\\.ts$|config\\.ts$)",
    ),
    {
      name: "local-tools",
      comment: "local/tools (benchmarks, checks) drive the host and the CLI; they do not import the build.",
      severity: "error",
      from: { path: "^local/tools/" },
      to: { path: "^local/build/" },
    },
    {
      name: "local-build",
      comment: "local/build (esbuild, the build stamp, the validator generation) imports nothing else in local/.",
      severity: "error",
      from: { path: "^local/build/" },
      to: { path: "^local/", pathNot: "^local/build/" },
    },
    layer(
      "http",
      "shared/http adapts HTTP to operations; never the store.",
      "^shared/http/",
      "^shared/(http|operations|auth|scim|contracts)/|^shared/services\\.ts$|^shared/functions/registry\\.ts$",
    ),
    layer(
      "functions-registry",
      "shared/functions registers functions with the Functions host; it knows no product code.",
      "^shared/functions/",
      "^shared/functions/",
    ),
    layer(
      "operations",
      "Operations use the SCIM core, product rules, the sign-in core and the store.",
      "^shared/operations/",
      "^shared/(operations|scim|product|auth|store|contracts)/|^shared/queue/jobs-queue\\.ts$|^shared/config\\.ts$",
    ),
    layer(
      "queue",
      "shared/queue: the job queue's client.",
      "^shared/queue/",
      "^shared/(queue/|store/errors\\.ts$|config\\.ts$)",
    ),
    layer(
      "auth",
      "The sign-in core uses product rules and the store's session documents.",
      "^shared/auth/",
      "^shared/(auth|product|scim|store)/",
    ),
    layer(
      "product",
      "Product rules are pure: SCIM nouns only.",
      "^shared/product/",
      "^shared/(product|scim|contracts)/",
    ),
    layer("scim", "The SCIM core is pure: nothing else in shared/.", "^shared/scim/", "^shared/scim/"),
    {
      name: "contracts",
      comment:
        "shared/contracts holds the admin API's response types, read by the server and the portal: it imports nothing (no shared/ module, no package, nothing of Node).",
      severity: "error",
      from: { path: "^shared/contracts/" },
      to: { pathNot: "^shared/contracts/" },
    },
    layer(
      "store",
      "The store knows documents (SCIM resource shapes), never HTTP or product rules.",
      "^shared/store/",
      "^shared/(store|scim)/",
    ),
    layer(
      "composition-root",
      "shared/services.ts wires the stores and the configuration.",
      "^shared/services\\.ts$",
      "^shared/(store/|queue/jobs-queue\\.ts$|operations/|config\\.ts$|services\\.ts$)",
    ),
    layer(
      "config",
      "shared/config.ts reads the environment and depends on nothing else in shared/.",
      "^shared/config\\.ts$",
      "^shared/config\\.ts$",
    ),
    {
      name: "product-not-adapters",
      comment: "Layers point one way: nothing in shared/ imports an adapter.",
      severity: "error",
      from: { path: "^shared/" },
      to: { path: "^(functions|local)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|portal)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // TypeScript first: "./admin.js" (NodeNext) names local/cli/admin.ts; with .mjs before .ts it stays unresolved
    // beside admin.mjs, and so unchecked.
    enhancedResolveOptions: {
      extensions: [".ts", ".d.ts", ".mts", ".d.mts", ".cts", ".d.cts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
