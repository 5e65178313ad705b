import { scimFunction } from "../shared/http/scim.js";
import { resourceTypes } from "../shared/scim/discovery.js";
import { listResponse } from "../shared/scim/list.js";

/** GET /scim/v2/ResourceTypes (RFC 7644 §4) */
export const listResourceTypes = scimFunction(
  "resource-types-list",
  { methods: ["GET"], route: "ResourceTypes" },
  async (req) => {
    const all = resourceTypes(req.context.baseUrl);
    return { status: 200, body: listResponse(all, all.length, 1) };
  },
);
