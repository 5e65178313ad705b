import { apiFunction, stringField } from "../shared/http/admin.js";
import { createInvite } from "../shared/operations/sign-in.js";

/** POST /api/admin/invites {userName?}: a one-time link that makes whoever signs in through it an Admin; the link is in this answer only. */
export const createApiInvite = apiFunction(
  "api-invites-create",
  { methods: ["POST"], route: "admin/invites" },
  async (req) => {
    const userName = stringField(await req.body(), "userName", {
      required: false,
      hint: "the Entra user name of the person invited, e.g. ann@contoso.com",
    });
    return {
      status: 201,
      body: {
        invite: await createInvite(req.context, { publicBaseUrl: req.origin, ...(userName ? { userName } : {}) }),
      },
    };
  },
);
