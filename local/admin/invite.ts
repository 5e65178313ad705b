import { createInvite } from "../../shared/operations/sign-in.js";
import type { Command, OptionTable } from "./command.js";
import { UsageError, optional, tenantContext } from "./command.js";

/** `admin invite`: a one-time link that makes whoever signs in through it an Admin of the tenant. */

export const inviteOptions: OptionTable = { "base-url": { type: "string" } };

export const inviteCommands: Record<string, Command> = {
  "admin invite": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const local = /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(svc.config.cosmos.endpoint);
    const given = optional(args, "base-url") ?? svc.config.publicBaseUrl;
    if (!given && !local)
      throw new UsageError(
        "set PUBLIC_BASE_URL (or --base-url) to the service's address, e.g. https://contoso-scim.azurewebsites.net, so the invite link points at it",
      );
    if (given && !/^https?:\/\/[^\s/]+\/?$/.test(given))
      throw new UsageError(`--base-url is the service's origin, e.g. https://contoso-scim.azurewebsites.net (got "${given}")`);
    const publicBaseUrl = given ?? "http://localhost:7071";
    const data = await createInvite(ctx, { userName: optional(args, "user-name"), publicBaseUrl });
    const text = [
      `Invite link (works once, until ${data.expiresAt}${data.userName ? `, only for ${data.userName}` : ""}):`,
      `  ${data.url}`,
      "Send it to the person who becomes the first Admin; they open it and sign in with their Microsoft work account.",
      "The code is shown only now: the service keeps only its hash.",
    ].join("\n");
    return { data, text };
  },
};
