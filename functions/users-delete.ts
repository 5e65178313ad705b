import { scimDelete, scimFunction } from "../shared/http/scim.js";

/** DELETE /scim/v2/Users/{id} */
export const deleteUser = scimFunction("users-delete", { methods: ["DELETE"], route: "Users/{id}" }, (req) =>
  scimDelete(req, "User"),
);
