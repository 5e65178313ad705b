import { apiFunction } from "../shared/http/admin.js";
import { clientView, removeFederatedCredential } from "../shared/operations/oauth.js";

/** DELETE /api/admin/oauth/clients/{clientId}/federated/{credentialId}: tokens issued through it stop working within 5 seconds. */
export const removeApiFederatedCredential = apiFunction(
  "api-oauth-federated-remove",
  { methods: ["DELETE"], route: "admin/oauth/clients/{clientId}/federated/{credentialId}" },
  async (req) => ({
    body: {
      client: clientView(await removeFederatedCredential(req.context, req.params.clientId!, req.params.credentialId!)),
    },
  }),
);
