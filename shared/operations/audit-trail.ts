import type { AuditAbout, AuditDraft, AuditEvent, AuditOperation, PatchDialect } from "../store/audit-log.js";
import { actorFields, type OperationContext } from "./context.js";
import { toScimError } from "./errors.js";
import { tenantSettings } from "./settings.js";
import { auditTtlSeconds, type TenantSettings } from "../product/settings.js";
import { describeWrite, resourceNames, type AttributeChange } from "../scim/changes.js";

/**
 * The provisioning-log event of one write operation, whoever makes it (Entra's token, the CLI,
 * the portal). A successful store write carries the event in its own transactional batch (`draft`,
 * then `landed`); anything else (a failure, a no-op, a member change, an admin setting) is recorded
 * when the operation ends. Tokens appear by name and id, never by secret.
 */
export class AuditTrail {
  private recorded = false;
  resourceId?: string;
  changedAttributes: string[] = [];
  /** The changed attributes' old and new values (capped, never secrets), when the operation knows them. */
  changes?: AttributeChange[];
  changesOmitted?: number;
  /** The resource's name at the time (userName, group displayName); a failed create: the one it tried. */
  resourceName?: string;
  resourceDisplayName?: string;
  members?: AuditEvent["members"];
  ignoredAttributes: string[] = [];
  /** PATCH events: which dialect the request spoke (the health page counts them). */
  patchDialect?: PatchDialect;
  /** The tenant's settings as the operation loaded them (the event's TTL); unset: the cached settings. */
  settings?: TenantSettings;

  constructor(
    private readonly ctx: OperationContext,
    private readonly operation: AuditOperation,
    private readonly resourceType: string,
    resourceId?: string,
  ) {
    this.resourceId = resourceId;
  }

  /** Names the resource (a User's userName and displayName, a Group's displayName) from its document or a request body. */
  name(resource: unknown): void {
    const names = resourceNames(this.resourceType, resource);
    if (names.resourceName) this.resourceName = names.resourceName;
    if (names.resourceDisplayName) this.resourceDisplayName = names.resourceDisplayName;
  }

  /** The change a write made: changed attributes, their values, the resource's name after it. */
  describe(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): void {
    const { changedAttributes, changes, changesOmitted, ...names } = describeWrite(this.resourceType, before, after);
    this.changedAttributes = changedAttributes;
    this.changes = changes;
    this.changesOmitted = changesOmitted;
    if (names.resourceName) this.resourceName = names.resourceName;
    if (names.resourceDisplayName) this.resourceDisplayName = names.resourceDisplayName;
  }

  /** The event to write with the change itself. */
  async draft(status: number): Promise<AuditDraft> {
    return this.draftWith(status, this.settings ?? (await tenantSettings(this.ctx)));
  }

  /** The same, from settings the operation has loaded (a plan is pure: it reads nothing). */
  draftWith(status: number, settings: TenantSettings): AuditDraft {
    return {
      time: this.ctx.now.toISOString(),
      ...actorFields(this.ctx.actor),
      operation: this.operation,
      status,
      ttlSeconds: auditTtlSeconds(settings),
      ...(this.ignoredAttributes.length ? { ignoredAttributes: this.ignoredAttributes } : {}),
      ...(this.patchDialect ? { patchDialect: this.patchDialect } : {}),
    };
  }

  /** The write that carried the draft has landed. */
  landed(): void {
    this.recorded = true;
  }

  /** Records the event unless its write already carried it (always for failures). */
  async finish(status: number, detail?: string): Promise<void> {
    if (this.recorded && status < 400) return;
    if (!this.resourceName && this.resourceId && (this.resourceType === "User" || this.resourceType === "Group"))
      await this.nameFromStore();
    const ok = status < 400;
    const about: AuditAbout = {
      resourceType: this.resourceType,
      resourceId: this.resourceId,
      ...(this.resourceName ? { resourceName: this.resourceName } : {}),
      ...(this.resourceDisplayName ? { resourceDisplayName: this.resourceDisplayName } : {}),
      changedAttributes: ok ? this.changedAttributes : [],
      ...(ok && this.changes?.length ? { changes: this.changes } : {}),
      ...(ok && this.changesOmitted ? { changesOmitted: this.changesOmitted } : {}),
      ...(detail ? { detail } : {}),
      ...(this.members && status < 400 ? { members: this.members } : {}),
    };
    await this.ctx.services.auditLog.record(this.ctx.tenantId, await this.draft(status), about);
    this.recorded = true;
  }

  /**
   * An admin operation on a User or Group that did not name it (set-object-id, admin-grant, a role
   * conflict): its current name. The event is written without one if the read fails (reported).
   */
  private async nameFromStore(): Promise<void> {
    try {
      const doc = await this.ctx.services.resources.get(
        this.ctx.tenantId,
        this.resourceType as "User" | "Group",
        this.resourceId!,
      );
      if (doc) this.name(doc.resource);
    } catch (error) {
      this.ctx.services.report("Could not read the name of a logged resource", error);
    }
  }
}

/**
 * Runs a write operation with its provisioning-log event: the result's status on success, the
 * error's status and detail on failure (then the error goes on to the caller). A log write that
 * fails after the change landed is reported to the operators, not to the client as a failed write.
 */
export async function logged<T>(
  ctx: OperationContext,
  about: { operation: AuditOperation; resourceType: string; resourceId?: string },
  run: (trail: AuditTrail) => Promise<T>,
  statusOf: (result: T) => number = () => 200,
): Promise<T> {
  const trail = new AuditTrail(ctx, about.operation, about.resourceType, about.resourceId);
  let result: T;
  try {
    result = await run(trail);
  } catch (error) {
    const known = toScimError(error);
    await trail
      .finish(known?.status ?? 500, known?.detail ?? "Internal error")
      .catch((e) => ctx.services.report("Could not write the provisioning log", e));
    throw error;
  }
  await trail.finish(statusOf(result)).catch((e) => ctx.services.report("Could not write the provisioning log", e));
  return result;
}
