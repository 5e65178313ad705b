import { apiFunction } from "../shared/http/admin.js";
import { setSafetyNetSettings } from "../shared/operations/safety-net.js";

/** PUT /api/admin/safety-net/settings {enabled?, sharePercent?, minUsers?}: 400 naming the field out of bounds; answers the view. */
export const setApiSafetyNetSettings = apiFunction(
  "api-safety-net-settings",
  { methods: ["PUT"], route: "admin/safety-net/settings" },
  async (req) => {
    const { enabled, sharePercent, minUsers } = await req.body();
    return { body: await setSafetyNetSettings(req.context, { enabled, sharePercent, minUsers }) };
  },
);
