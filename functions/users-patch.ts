import { scimFunction } from "../shared/http/scim.js";
import { patchResource } from "../shared/operations/resources.js";

/** PATCH /scim/v2/Users/{id} */
export const patchUser = scimFunction("users-patch", { methods: ["PATCH"], route: "Users/{id}" }, (req) =>
  patchResource(req.context, "User", req.params.id!, req.write("User")),
);
