import { scimFunction } from "../shared/http/scim.js";
import { resourceTypes } from "../shared/scim/discovery.js";
import { notFound } from "../shared/scim/errors.js";

/** GET /scim/v2/ResourceTypes/{name} */
export const getResourceType = scimFunction(
  "resource-types-get",
  { methods: ["GET"], route: "ResourceTypes/{name}" },
  async (req) => {
    const name = req.params.name ?? "";
    const found = resourceTypes(req.context.baseUrl).find((rt) => rt.id.toLowerCase() === name.toLowerCase());
    if (!found) throw notFound(`No resource type '${name}'; this service has User and Group.`);
    return { status: 200, body: found };
  },
);
