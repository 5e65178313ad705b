// Layer rules (npm run check:layers, part of npm run lint): the target layout of the architecture issue.
//   functions/, local/ (adapters) -> shared/http/, shared/operations/, shared/services.ts, shared/config.ts
//   shared/http/       -> shared/operations/, shared/scim/
//   shared/operations/ -> shared/scim/, shared/product/, shared/store/
//   shared/product/    -> shared/scim/ (pure)
//   shared/scim/       -> nothing else in shared/ (pure)
//   shared/store/      -> nothing else in shared/ but types from shared/config.ts (documents only)
//   shared/services.ts -> shared/store/, shared/config.ts (the composition root)
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
      "adapters",
      "functions/ and local/ are adapters: they reach the product through shared/http, shared/operations, shared/services.ts and shared/config.ts.",
      "^(functions|local)/",
      "^shared/(http/|operations/|services\\.ts$|config\\.ts$)",
    ),
    layer("http", "shared/http calls operations and speaks SCIM; never the store or the services' internals.", "^shared/http/", "^shared/(http|operations|scim)/"),
    // shared/service/ is where the operations live until they move to shared/operations/.
    layer("operations", "Operations use the SCIM core, product rules and the store.", "^shared/(operations|service)/", "^shared/(operations|service|scim|product|store)/"),
    layer("product", "Product rules are pure: SCIM nouns only.", "^shared/product/", "^shared/(product|scim)/"),
    layer("scim", "The SCIM core is pure: nothing else in shared/.", "^shared/scim/", "^shared/scim/"),
    layer("store", "The store knows documents: nothing else in shared/ but shared/config.ts types.", "^shared/store/", "^shared/(store/|config\\.ts$)"),
    {
      name: "store-config-types-only",
      comment: "The store may read the Config type, not code from shared/config.ts.",
      severity: "error",
      from: { path: "^shared/store/" },
      to: { path: "^shared/config\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    layer("composition-root", "shared/services.ts wires the store and the configuration.", "^shared/services\\.ts$", "^shared/(store/|config\\.ts$|services\\.ts$)"),
    layer("config", "shared/config.ts reads the environment and depends on nothing else in shared/.", "^shared/config\\.ts$", "^shared/config\\.ts$"),
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
  },
};
