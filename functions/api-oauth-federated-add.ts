import { apiFunction, stringField } from "../shared/http/admin.js";
import { OperationError } from "../shared/operations/errors.js";
import { addFederatedCredential, clientView } from "../shared/operations/oauth.js";

/** POST /api/admin/oauth/clients/{clientId}/federated {issuer, subject, audiences?}: trust a workload identity (workload identity federation). */
export const addApiFederatedCredential = apiFunction(
  "api-oauth-federated-add",
  { methods: ["POST"], route: "admin/oauth/clients/{clientId}/federated" },
  async (req) => {
    const body = await req.body();
    const issuer = stringField(body, "issuer", {
      required: true,
      hint: "Entra's issuer for your directory, https://login.microsoftonline.com/<tenant id>/v2.0",
    });
    const subject = stringField(body, "subject", { required: true, hint: "the workload identity's object ID" });
    const audiences = body.audiences;
    if (audiences !== undefined && (!Array.isArray(audiences) || audiences.some((a) => typeof a !== "string")))
      throw new OperationError(
        400,
        "audiences must be a list of strings, such as api://<client id> and <client id>",
        "audiences",
      );
    const client = await addFederatedCredential(req.context, req.params.clientId!, {
      issuer,
      subject,
      ...(audiences ? { audiences: audiences as string[] } : {}),
    });
    return { status: 201, body: { client: clientView(client) } };
  },
);
