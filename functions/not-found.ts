import { scimFunction } from "../shared/http/scim.js";
import { notFound } from "../shared/scim/errors.js";

/** Any other path under /scim/v2: a SCIM 404 (the most general route; specific routes win). */
export const notFoundRoute = scimFunction(
  "not-found",
  { methods: ["GET", "POST", "PUT", "PATCH", "DELETE"], route: "{*path}" },
  async (req) => {
    throw notFound(`No SCIM endpoint at /${req.params.path ?? ""} for ${req.method}; see /ServiceProviderConfig, /ResourceTypes and /Schemas.`);
  },
);
