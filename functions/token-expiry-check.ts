import type { InvocationContext, Timer } from "@azure/functions";
import { registerTimer } from "../shared/functions/registry.js";
import { services } from "../shared/services.js";
import { EXPIRY_WARNING_DAYS, expiringTokens } from "../shared/operations/tokens.js";
import { expiringOAuthSecrets } from "../shared/operations/oauth.js";

/** Every day at 06:00 UTC (NCRONTAB: second minute hour day month day-of-week). */
export const TOKEN_EXPIRY_SCHEDULE = "0 0 6 * * *";

const daysLeft = (days: number) =>
  days === 0 ? "less than a day left" : days === 1 ? "1 day left" : `${days} days left`;

/**
 * Warns about every active SCIM token and OAuth client secret that expires within 30 days: once it expires, Entra's
 * provisioning job fails to authenticate and goes into quarantine. Logs names and ids, never a
 * secret or hash. Store failures throw: the host logs them and retries by the policy below.
 */
export async function checkTokenExpiry(timer: Timer, context: InvocationContext): Promise<void> {
  const svc = services();
  const now = svc.now();
  if (timer.isPastDue) context.info("The token expiry check is running late (a schedule occurrence was missed).");
  const expiring = await expiringTokens(svc, now);
  for (const t of expiring) {
    context.warn(
      `SCIM token '${t.name}' (${t.tokenId}) of tenant ${t.tenantId} expires at ${t.expiresAt} (${daysLeft(t.expiresInDays)}). ` +
        `Create a new token (npm run admin -- token create --tenant ${t.tenantId} --name NAME), ` +
        `paste it into the Entra provisioning job, then revoke this one (token revoke --tenant ${t.tenantId} --id ${t.tokenId}): ` +
        "an expired token puts the job into quarantine.",
    );
  }
  const secrets = await expiringOAuthSecrets(svc, now, EXPIRY_WARNING_DAYS);
  for (const s of secrets) {
    context.warn(
      `OAuth client secret ${s.secretId} of client '${s.clientName}' (${s.clientId}) of tenant ${s.tenantId} expires at ${s.expiresAt} (${daysLeft(s.expiresInDays)}). ` +
        `Add a new secret (npm run admin -- oauth secret add --tenant ${s.tenantId} --client ${s.clientId}), paste it into the Entra provisioning job, ` +
        `then revoke this one (oauth secret revoke --tenant ${s.tenantId} --client ${s.clientId} --secret ${s.secretId}): an expired secret puts the job into quarantine.`,
    );
  }
  if (expiring.length === 0 && secrets.length === 0)
    context.info(`No SCIM token or OAuth client secret expires within ${EXPIRY_WARNING_DAYS} days.`);
}

registerTimer({
  name: "token-expiry-check",
  schedule: TOKEN_EXPIRY_SCHEDULE,
  retry: {
    strategy: "exponentialBackoff",
    maxRetryCount: 3,
    minimumInterval: { minutes: 1 },
    maximumInterval: { minutes: 15 },
  },
  handler: checkTokenExpiry,
});
