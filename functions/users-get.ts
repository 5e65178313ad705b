import { scimGet, scimFunction } from "../shared/http/scim.js";

/** GET /scim/v2/Users/{id} */
export const getUser = scimFunction("users-get", { methods: ["GET"], route: "Users/{id}" }, (req) =>
  scimGet(req, "User"),
);
