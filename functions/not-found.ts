import { scimFunction } from "../shared/http/scim.js";
import { allowedMethods } from "../shared/http/routes.js";
import { methodNotAllowed, notFound } from "../shared/scim/errors.js";

/**
 * Any other request under /scim/v2: a SCIM 405 with `Allow` when the path exists but not with this
 * method, else a SCIM 404 (the most general route; specific routes win).
 */
export const notFoundRoute = scimFunction(
  "not-found",
  { methods: ["GET", "POST", "PUT", "PATCH", "DELETE"], route: "{*path}" },
  async (req) => {
    const path = req.params.path ?? "";
    const allowed = allowedMethods(["scim", "v2", ...path.split("/").filter(Boolean)]);
    if (allowed.length > 0)
      throw methodNotAllowed(`${req.method} is not supported on /${path}; use ${allowed.join(", ")}.`, allowed);
    throw notFound(
      `No SCIM endpoint at /${path} for ${req.method}; see /ServiceProviderConfig, /ResourceTypes and /Schemas.`,
    );
  },
);
