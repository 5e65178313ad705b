import type { Services } from "../http/services.js";
import type { Principal } from "../store/tenants.js";
import type { AuditDraft, AuditEvent, AuditOperation } from "../store/resources.js";

/**
 * The provisioning log of one SCIM request. A write operation says what it is about (`begin`);
 * a successful store write carries the event in its own transactional batch (`draft`, then
 * `landed`); anything else (a failure, a no-op, a member-only change) is recorded when the request
 * ends (`finish`). Tokens appear by name and id, never by secret.
 */
export class AuditTrail {
  private operation?: AuditOperation;
  private resourceType?: string;
  private recorded = false;
  resourceId?: string;
  changedAttributes: string[] = [];
  members?: AuditEvent["members"];

  constructor(
    private readonly services: Services,
    private readonly principal: Principal,
    private readonly now: Date,
  ) {}

  begin(operation: AuditOperation, resourceType: string, resourceId?: string): void {
    this.operation = operation;
    this.resourceType = resourceType;
    this.resourceId = resourceId;
  }

  /** The event to write with the change itself. */
  async draft(status: number): Promise<AuditDraft> {
    const settings = await this.services.settings.get(this.principal.tenantId, this.now);
    return {
      time: this.now.toISOString(),
      tokenName: this.principal.tokenName,
      tokenId: this.principal.tokenId,
      operation: this.operation!,
      status,
      ttlSeconds: settings.auditRetentionDays * 86400,
    };
  }

  /** The write that carried the draft has landed. */
  landed(): void {
    this.recorded = true;
  }

  /** Records the request's event unless its write already carried it (always for failures). */
  async finish(status: number, detail?: string): Promise<void> {
    if (!this.operation || (this.recorded && status < 400)) return;
    await this.services.resources.recordAudit(this.principal.tenantId, await this.draft(status), {
      resourceType: this.resourceType!,
      resourceId: this.resourceId,
      changedAttributes: status < 400 ? this.changedAttributes : [],
      ...(detail ? { detail } : {}),
      ...(this.members && status < 400 ? { members: this.members } : {}),
    });
    this.recorded = true;
  }
}
