import { scimPatch, scimFunction } from "../shared/http/scim.js";

/** PATCH /scim/v2/Users/{id} */
export const patchUser = scimFunction("users-patch", { methods: ["PATCH"], route: "Users/{id}" }, (req) =>
  scimPatch(req, "User"),
);
