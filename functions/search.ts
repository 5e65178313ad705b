import { scimSearchAll, scimFunction } from "../shared/http/scim.js";

/** POST /scim/v2/.search (RFC 7644 §3.4.3): Users and Groups at once. */
export const search = scimFunction("search", { methods: ["POST"], route: ".search" }, (req) => scimSearchAll(req));
