import { apiFunction } from "../shared/http/admin.js";
import { previewRole } from "../shared/operations/roles.js";

/** POST /api/admin/roles/preview {group, role} or {group, unmap: true}: the role changes the mapping or its removal would make; nothing is written. */
export const previewApiRole = apiFunction(
  "api-roles-preview",
  { methods: ["POST"], route: "admin/roles/preview" },
  async (req) => {
    const { count, changes, members } = await previewRole(req.context, await req.body());
    return { body: { count, changes, members } };
  },
);
