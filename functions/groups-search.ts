import { scimSearch, scimFunction } from "../shared/http/scim.js";

/** POST /scim/v2/Groups/.search (RFC 7644 §3.4.3): the same results as GET /Groups. */
export const searchGroups = scimFunction("groups-search", { methods: ["POST"], route: "Groups/.search" }, (req) =>
  scimSearch(req, "Group"),
);
