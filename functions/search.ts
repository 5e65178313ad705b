import { scimFunction } from "../shared/http/scim.js";
import { searchAll } from "../shared/operations/resources.js";

/** POST /scim/v2/.search (RFC 7644 §3.4.3): Users and Groups at once. */
export const search = scimFunction("search", { methods: ["POST"], route: ".search" }, (req) =>
  searchAll(req.context, (type) => req.searchParams(type)),
);
