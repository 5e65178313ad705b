import { createInvite } from "../../../shared/operations/sign-in.js";
import { demoteAdmin, grantAdmin, listAdmins, listInvites, revokeInvite } from "../../../shared/operations/admins.js";
import { describeReason } from "../../../shared/product/admins.js";
import type { Command, OptionTable } from "./command.js";
import { UsageError, optional, required, tenantContext } from "./command.js";

/**
 * `admin invite|list|grant|demote` and `invite list|revoke`: one-time links that make whoever signs in
 * through them an Admin, the tenant's Admins and why, and taking a direct grant back.
 */

export const inviteOptions: OptionTable = {
  "base-url": { type: "string" },
  user: { type: "string" },
  invite: { type: "string" },
};

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
      throw new UsageError(
        `--base-url is the service's origin, e.g. https://contoso-scim.azurewebsites.net (got "${given}")`,
      );
    const publicBaseUrl = given ?? "http://localhost:7071";
    const data = await createInvite(ctx, { userName: optional(args, "user-name"), publicBaseUrl });
    const text = [
      `Invite link (works once, until ${data.expiresAt}${data.userName ? `, only for ${data.userName}` : ""}):`,
      `  ${data.url}`,
      "Send it to the person who becomes the first Admin; they open it and sign in with their Microsoft work account.",
      "The code is shown only now: the service keeps only its hash.",
      `Revoke it with: invite revoke --tenant ${ctx.tenantId} --invite ${data.id}`,
    ].join("\n");
    return { data, text };
  },

  "admin list": async (args, svc, now) => {
    const data = await listAdmins(await tenantContext(args, svc, now));
    const lines = data.admins.map((a) =>
      [
        `${a.userName}${a.displayName ? ` (${a.displayName})` : ""}  id ${a.id}  ${a.status}${a.canSignIn ? "" : ", cannot sign in to the portal"}`,
        `  why: ${describeReason(a.reason, data.role)}`,
        a.afterDemotion
          ? `  demote: admin demote --user ${a.id}  (then ${describeReason(a.afterDemotion.reason, a.afterDemotion.role)})`
          : `  cannot be demoted here: ${a.refusal}`,
      ].join("\n"),
    );
    const text = data.admins.length
      ? [`${data.admins.length} ${data.role}${data.admins.length === 1 ? "" : "s"}:`, ...lines].join("\n")
      : `No ${data.role}s: create an invite (admin invite --tenant ID) and open it to sign in as the first ${data.role}.`;
    return { data, text };
  },

  "admin grant": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const data = await grantAdmin(ctx, required(args, "user"));
    const text = [
      `Made ${data.user.userName} ${data.role}: ${describeReason(data.reason, data.role)}.`,
      data.canSignIn
        ? ""
        : `They have no Microsoft Entra login this tenant allows, so they cannot sign in to the portal yet.`,
      `Take it back with: admin demote --tenant ${ctx.tenantId} --user ${data.user.id}`,
    ]
      .filter(Boolean)
      .join("\n");
    return { data, text };
  },

  "admin demote": async (args, svc, now) => {
    const data = await demoteAdmin(await tenantContext(args, svc, now), required(args, "user"));
    const text = data.stillAdmin
      ? `Removed the direct grant of ${data.user.userName}; they stay ${data.role} (${describeReason(data.reason, data.role)}). Unmap that group to demote them.`
      : `Demoted ${data.user.userName}: now ${describeReason(data.reason, data.role)}.`;
    return { data, text };
  },

  "invite list": async (args, svc, now) => {
    const data = await listInvites(await tenantContext(args, svc, now));
    const text = data.invites.length
      ? [
          `${data.invites.length} open invite${data.invites.length === 1 ? "" : "s"}:`,
          ...data.invites.map(
            (i) =>
              `  ${i.id}  ${i.userName ? `only for ${i.userName}` : "anyone"}  created ${i.createdAt} by ${i.createdBy ?? "unknown"}  expires ${i.expiresAt}`,
          ),
        ].join("\n")
      : "No open invites.";
    return { data, text };
  },

  "invite revoke": async (args, svc, now) => {
    const data = await revokeInvite(await tenantContext(args, svc, now), required(args, "invite"));
    return { data, text: `Revoked invite ${data.invite.id}: its link no longer signs anyone in.` };
  },
};
