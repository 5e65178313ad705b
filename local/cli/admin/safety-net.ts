import {
  discardHold,
  releaseHold,
  safetyNetView,
  setSafetyNetSettings,
} from "../../../shared/operations/safety-net.js";
import type { SafetyNetView } from "../../../shared/contracts/admin-api.js";
import type { Args, Command, OptionTable } from "./command.js";
import { UsageError, optional, tenantContext } from "./command.js";

/** Admin commands of the deprovisioning safety net: its state, releasing or discarding a hold, its settings. */

export const safetyNetOptions: OptionTable = {
  share: { type: "string" },
  min: { type: "string" },
  on: { type: "boolean" },
  off: { type: "boolean" },
};

/** A whole-number option as the operation takes it (the operation checks the bounds and names the setting). */
function whole(args: Args, name: string): number | undefined {
  const text = optional(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a whole number (got "${text}")`);
  return Number(text);
}

/** The net in a few lines: settings, the last hour, and the hold (with its held users) or the release in force. */
function describe(v: SafetyNetView): string {
  const s = v.settings;
  const lines = [
    s.enabled
      ? `Safety net on: deletes are held when more than ${s.sharePercent}% of the active users (at least ${s.minUsers}) are disconnected or deleted within an hour.`
      : "Safety net off: every delete Entra sends goes ahead.",
    `Since ${v.window.from}: ${v.window.disconnected} disconnected, ${v.window.deleted} deleted, of ${v.window.activeUsers} active users (limit ${v.window.threshold}).`,
  ];
  if (v.release)
    lines.push(
      `Released by ${v.release.by} at ${v.release.at}: every user delete goes through until ${v.release.until}.`,
    );
  if (!v.hold) {
    if (!v.release) lines.push("Nothing is held.");
    return lines.join("\n");
  }
  lines.push(`DELETES HELD since ${v.hold.since}: ${v.hold.cause}`, `${v.hold.total} held deletes:`);
  for (const h of v.hold.held)
    lines.push(`  ${h.userName}  ${h.userId}  first held ${h.firstHeldAt}  attempts ${h.attempts}`);
  if (v.hold.total > v.hold.held.length) lines.push(`  ... and ${v.hold.total - v.hold.held.length} more`);
  lines.push(
    "Check the provisioning job's scoping filter in Entra, then `safety-net release` (intended) or `safety-net discard` (a mistake).",
  );
  return lines.join("\n");
}

export const safetyNetCommands: Record<string, Command> = {
  "safety-net status": async (args, svc, now) => {
    const view = await safetyNetView(await tenantContext(args, svc, now));
    return { data: view, text: describe(view) };
  },

  "safety-net release": async (args, svc, now) => {
    const view = await releaseHold(await tenantContext(args, svc, now));
    return {
      data: view,
      text: `Released: the held deletes go through when Entra retries them; every user delete goes through until ${view.release?.until}.`,
    };
  },

  "safety-net discard": async (args, svc, now) => {
    const view = await discardHold(await tenantContext(args, svc, now));
    return {
      data: view,
      text: "Discarded: the held deletes were dropped and those users stay; the net counts afresh from now.",
    };
  },

  "safety-net set": async (args, svc, now) => {
    if (args.on && args.off) throw new UsageError("give --on or --off, not both");
    const change = {
      ...(args.on ? { enabled: true } : args.off ? { enabled: false } : {}),
      ...(optional(args, "share") !== undefined ? { sharePercent: whole(args, "share") } : {}),
      ...(optional(args, "min") !== undefined ? { minUsers: whole(args, "min") } : {}),
    };
    if (Object.keys(change).length === 0)
      throw new UsageError("name a setting: --share PERCENT, --min USERS, --on or --off");
    const view = await setSafetyNetSettings(await tenantContext(args, svc, now), change);
    return { data: view, text: describe(view).split("\n", 1)[0]! };
  },
};
