import { useEffect, useRef, useState, type FormEvent } from "react";
import {
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import { CheckmarkRegular, DeleteDismissRegular, SaveRegular } from "@fluentui/react-icons";
import { api, type SafetyNetView } from "../api";
import { useAction, useGet } from "../hooks";
import { fmtAgo, fmtDateTime } from "../format";
import { breakable } from "../components/AuditTable";
import {
  ConfirmDialog,
  DangerButton,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  ProblemBar,
  RouteLink,
  Section,
  TableScroll,
  focusSection,
} from "../components/common";

const PATH = "/api/admin/safety-net";
const HOLD_ID = "safety-net-hold-heading";

const useStyles = makeStyles({
  form: {
    display: "grid",
    gridTemplateColumns: "repeat(2, minmax(0, 240px))",
    gap: tokens.spacingHorizontalL,
    alignItems: "start",
    // Phones: one field under the other.
    "@media (max-width: 640px)": { gridTemplateColumns: "minmax(0, 1fr)" },
  },
  wide: { gridColumn: "1 / -1" },
  actions: { display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  help: { color: tokens.colorNeutralForeground2, maxWidth: "72ch" },
  cause: { overflowWrap: "anywhere" },
  wrap: { overflowWrap: "anywhere", minWidth: 0 },
  figures: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
  bannerSpace: { marginBottom: tokens.spacingVerticalL },
});

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

type Confirming = "release" | "discard" | "end-release";

/** How many deletes are held (the list may be cut short; `total` counts them all). */
const heldCount = (v: SafetyNetView | undefined) => v?.hold?.total ?? 0;

/**
 * The deprovisioning safety net: when a tenant-configured share of its active users is disconnected
 * or deleted within an hour (a mistaken scoping filter in Entra), further deletes are held while
 * disconnects still take effect. This page shows the hold and its cause, lets an admin release or
 * discard it, and edits the settings.
 */
export default function SafetyNetPage() {
  const s = useStyles();
  const net = useGet<SafetyNetView>(PATH);
  const [confirming, setConfirming] = useState<Confirming>();
  const [notice, setNotice] = useState<string>();
  const v = net.data;
  const count = heldCount(v);

  const done = (what: Confirming, view: SafetyNetView) => {
    setConfirming(undefined);
    setNotice(
      what === "release"
        ? `Hold released: ${plural(count, "held delete")} go${count === 1 ? "es" : ""} through when Entra retries, and every user delete goes through for 24 hours.`
        : what === "discard"
          ? `Hold discarded: ${plural(count, "held delete")} dropped; those users stay. The safety net counts afresh from now.`
          : "Release ended: the safety net counts again from now.",
    );
    net.setData(view);
    focusSection("safety-net-window-heading");
  };

  return (
    <>
      <PageHeader
        title="Deprovisioning safety net"
        help={
          <>
            A mistaken scoping filter in Entra can disconnect or delete most of a company in one provisioning cycle.
            When more than the share of active users set below are disconnected or deleted within an hour, the service
            holds further deletes: Entra is asked to retry them later, while disconnects still take effect (a person who
            must lose access loses it). Review what is held, then release or discard it.
          </>
        }
      />
      {notice && (
        <MessageBar intent="success" role="status" className={s.bannerSpace}>
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      {net.loading && !v ? (
        <LoadingState label="Loading the safety net…" />
      ) : net.error && !v ? (
        <ErrorState error={net.error} what="the safety net" onRetry={net.reload} />
      ) : v ? (
        <>
          {v.hold ? (
            <HoldSection
              hold={v.hold}
              total={count}
              onRelease={() => setConfirming("release")}
              onDiscard={() => setConfirming("discard")}
            />
          ) : v.release ? (
            <ReleaseSection release={v.release} onEnd={() => setConfirming("end-release")} />
          ) : (
            <Section title="Hold">
              <EmptyState title="No deletes are held">
                {v.settings.enabled
                  ? "Deletes go through as Entra sends them. If too many users are removed within an hour, the held deletes show here."
                  : "The safety net is switched off: every delete Entra sends goes through. Switch it on below to guard against a mistaken scoping filter."}
              </EmptyState>
            </Section>
          )}
          <WindowSection view={v} />
          <SettingsSection settings={v.settings} onSaved={(view) => net.setData(view)} />
        </>
      ) : null}
      <ConfirmDialog
        open={confirming === "release"}
        title="Release the held deletes?"
        confirmLabel="Release deletes"
        busyLabel="Releasing…"
        failedTitle="The hold was not released"
        describedBy="release-consequence"
        run={() => api.post<SafetyNetView>(`${PATH}/release`)}
        onClose={() => setConfirming(undefined)}
        onDone={(view) => done("release", view)}
      >
        <Text as="p" id="release-consequence">
          Choose this when the removals are intended. The {plural(count, "held user")} {count === 1 ? "is" : "are"}{" "}
          deleted when Entra retries (its next cycle, about 40 minutes, or later), and for 24 hours every user delete
          goes through without being counted; then the safety net counts again. A deleted user&apos;s memberships and
          roles are gone: check the scoping filter of the provisioning job in Entra first.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "discard"}
        title="Discard the held deletes?"
        confirmLabel="Discard deletes"
        busyLabel="Discarding…"
        failedTitle="The hold was not discarded"
        describedBy="discard-consequence"
        run={() => api.post<SafetyNetView>(`${PATH}/discard`)}
        onClose={() => setConfirming(undefined)}
        onDone={(view) => done("discard", view)}
      >
        <Text as="p" id="discard-consequence">
          Choose this when the removals were a mistake. The {plural(count, "held delete")} {count === 1 ? "is" : "are"}{" "}
          dropped: those users stay, disconnected, with their data, and Entra's retries of their deletes stay refused
          for 8 days. Fix the scoping filter in Entra. Other deletes are counted afresh from now.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "end-release"}
        title="End the release now?"
        confirmLabel="End release"
        busyLabel="Ending…"
        failedTitle="The release was not ended"
        describedBy="end-release-consequence"
        run={() => api.post<SafetyNetView>(`${PATH}/discard`)}
        onClose={() => setConfirming(undefined)}
        onDone={(view) => done("end-release", view)}
      >
        <Text as="p" id="end-release-consequence">
          User deletes are counted again from now, and held once more than the limit are removed within an hour. Deletes
          of the released hold that Entra has not retried yet may be held again.
        </Text>
      </ConfirmDialog>
    </>
  );
}

/** A release in force: every user delete goes through until it ends. */
function ReleaseSection({ release, onEnd }: { release: NonNullable<SafetyNetView["release"]>; onEnd: () => void }) {
  const s = useStyles();
  const restoreTarget = useRestoreFocusTarget();
  return (
    <Section title="Deletes released" id={HOLD_ID}>
      <MessageBar intent="warning" layout="multiline" data-testid="safety-net-release">
        <MessageBarBody>
          <MessageBarTitle>Every user delete goes through until {fmtDateTime(release.until)}</MessageBarTitle>
          Released {fmtDateTime(release.at)} by {breakable(release.by)}, with {plural(release.held, "held delete")}.
          Then the safety net counts again.
        </MessageBarBody>
      </MessageBar>
      <div className={s.actions}>
        <Button onClick={onEnd} {...restoreTarget}>
          End release now
        </Button>
      </div>
    </Section>
  );
}

function HoldSection({
  hold,
  total,
  onRelease,
  onDiscard,
}: {
  hold: NonNullable<SafetyNetView["hold"]>;
  total: number;
  onRelease: () => void;
  onDiscard: () => void;
}) {
  const s = useStyles();
  const restoreTarget = useRestoreFocusTarget();
  return (
    <Section title="Deletes are held" id={HOLD_ID}>
      <MessageBar intent="error" layout="multiline" data-testid="safety-net-hold">
        <MessageBarBody>
          <MessageBarTitle>
            Deletes held since {fmtDateTime(hold.since)} ({fmtAgo(hold.since)})
          </MessageBarTitle>
          <span className={s.cause}>{hold.cause}</span>
        </MessageBarBody>
      </MessageBar>
      <Text className={s.help}>
        Entra is told to retry these deletes later; disconnects still take effect. Check the scoping filter of the
        provisioning job in Entra, then release the deletes (they were intended) or discard them (they were a mistake).
      </Text>
      {hold.held.length === 0 ? (
        <Text>No delete has been held yet: the next one Entra sends will be.</Text>
      ) : (
        <TableScroll label="Held deletes table">
          <Table aria-label="Held deletes" size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>User</TableHeaderCell>
                <TableHeaderCell>First held</TableHeaderCell>
                <TableHeaderCell>Attempts by Entra</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {hold.held.map((h) => (
                <TableRow key={h.userId} data-testid="held-delete-row">
                  <TableCell className={s.wrap}>
                    <RouteLink to={`/users/${encodeURIComponent(h.userId)}`}>{breakable(h.userName)}</RouteLink>
                  </TableCell>
                  <TableCell>{fmtDateTime(h.firstHeldAt)}</TableCell>
                  <TableCell>{h.attempts}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableScroll>
      )}
      {total > hold.held.length && (
        <Text size={200}>
          The first {plural(hold.held.length, "held delete")} of {total.toLocaleString("en-US")}.
        </Text>
      )}
      <div className={s.actions}>
        <Button appearance="primary" icon={<CheckmarkRegular />} onClick={onRelease} {...restoreTarget}>
          Release held deletes
        </Button>
        <DangerButton icon={<DeleteDismissRegular />} onClick={onDiscard} {...restoreTarget}>
          Discard held deletes
        </DangerButton>
      </div>
    </Section>
  );
}

/** The last hour, as the safety net counts it. */
function WindowSection({ view }: { view: SafetyNetView }) {
  const s = useStyles();
  const w = view.window;
  return (
    <Section title="The last hour" id="safety-net-window-heading">
      <ul className={s.figures}>
        <li>{plural(w.disconnected, "user")} disconnected</li>
        <li>{plural(w.deleted, "user")} deleted</li>
        <li>{plural(w.activeUsers, "active user")} in the tenant</li>
        <li>
          {!view.settings.enabled
            ? "The safety net is switched off."
            : view.release
              ? "While the release is in force, no delete is held."
              : `Deletes are held once more than ${plural(w.threshold, "user")} are disconnected or deleted within an hour.`}
        </li>
      </ul>
      <Text size={200} className={s.help}>
        Counted since {fmtDateTime(w.from)}: an hour ago, or when a hold was last discarded or a release ended.
      </Text>
    </Section>
  );
}

interface Draft {
  enabled: boolean;
  sharePercent: string;
  minUsers: string;
}

/** Whole numbers only; the server checks the same bounds and names the field that is wrong. */
function checkDraft(d: Draft): { sharePercent?: string; minUsers?: string } {
  const share = Number(d.sharePercent);
  const min = Number(d.minUsers);
  return {
    sharePercent:
      d.sharePercent.trim() === "" || !Number.isInteger(share) || share < 1 || share > 100
        ? "Enter a whole number from 1 to 100."
        : undefined,
    minUsers:
      d.minUsers.trim() === "" || !Number.isInteger(min) || min < 1
        ? "Enter a whole number of users, 1 or more."
        : undefined,
  };
}

function SettingsSection({
  settings,
  onSaved,
}: {
  settings: SafetyNetView["settings"];
  onSaved: (view: SafetyNetView) => void;
}) {
  const s = useStyles();
  const toDraft = (x: SafetyNetView["settings"]): Draft => ({
    enabled: x.enabled,
    sharePercent: String(x.sharePercent),
    minUsers: String(x.minUsers),
  });
  const [draft, setDraft] = useState<Draft>(() => toDraft(settings));
  const [errors, setErrors] = useState<ReturnType<typeof checkDraft>>({});
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  const shareInput = useRef<HTMLInputElement>(null);
  const minInput = useRef<HTMLInputElement>(null);
  // The server's settings changed (a reload): the form follows them.
  useEffect(() => setDraft(toDraft(settings)), [settings]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    setSaved(undefined);
    const found = checkDraft(draft);
    setErrors(found);
    if (found.sharePercent) return shareInput.current?.focus();
    if (found.minUsers) return minInput.current?.focus();
    const body = { enabled: draft.enabled, sharePercent: Number(draft.sharePercent), minUsers: Number(draft.minUsers) };
    const res = await action.run(() => api.put<SafetyNetView>(`${PATH}/settings`, body));
    if (!res) return;
    setSaved(
      body.enabled
        ? `Saved: deletes are held once more than ${body.sharePercent}% of the active users, and more than ${plural(body.minUsers, "user")}, are disconnected or deleted within an hour.`
        : "Saved: the safety net is switched off. Every delete Entra sends goes through.",
    );
    onSaved(res);
  };

  return (
    <Section title="Settings">
      <form className={s.form} onSubmit={submit} noValidate aria-label="Safety net settings">
        <div className={s.wide}>
          <Switch
            label="Hold deletes when many users are removed within an hour"
            checked={draft.enabled}
            onChange={(_, d) => setDraft((x) => ({ ...x, enabled: d.checked }))}
          />
        </div>
        <Field
          label="Share of active users (%)"
          required
          hint="Deletes are held once more than this share of the active users is removed within an hour. Default 20."
          validationMessage={errors.sharePercent ?? action.error?.fieldError("sharePercent")}
        >
          <Input
            ref={shareInput}
            type="number"
            min={1}
            max={100}
            step={1}
            value={draft.sharePercent}
            onChange={(_, d) => setDraft((x) => ({ ...x, sharePercent: d.value }))}
            disabled={!draft.enabled}
          />
        </Field>
        <Field
          label="Minimum number of users"
          required
          hint="…and more than this many users, so a small tenant's ordinary clean-up does not trip the net. Default 25."
          validationMessage={errors.minUsers ?? action.error?.fieldError("minUsers")}
        >
          <Input
            ref={minInput}
            type="number"
            min={1}
            step={1}
            value={draft.minUsers}
            onChange={(_, d) => setDraft((x) => ({ ...x, minUsers: d.value }))}
            disabled={!draft.enabled}
          />
        </Field>
        <div className={s.wide}>
          <Button type="submit" appearance="primary" icon={<SaveRegular />} disabledFocusable={action.busy}>
            {action.busy ? "Saving…" : "Save settings"}
          </Button>
        </div>
        <div className={s.wide}>
          {saved && (
            <MessageBar intent="success" role="status">
              <MessageBarBody>{saved}</MessageBarBody>
            </MessageBar>
          )}
          <ProblemBar
            error={action.error}
            title="The settings were not saved"
            hideFields={["sharePercent", "minUsers"]}
          />
        </div>
      </form>
    </Section>
  );
}

/**
 * On Connection health: while deletes are held, a banner that says so and leads to this page.
 * A failed check says so too (a hold must not look like no hold).
 */
export function SafetyNetBanner() {
  const s = useStyles();
  const net = useGet<SafetyNetView>(PATH);
  if (net.error)
    return (
      <MessageBar intent="warning" layout="multiline" className={s.bannerSpace}>
        <MessageBarBody>
          <MessageBarTitle>Could not check the deprovisioning safety net</MessageBarTitle>
          {net.error.detail}
        </MessageBarBody>
        <MessageBarActions>
          <Button onClick={net.reload}>Retry</Button>
        </MessageBarActions>
      </MessageBar>
    );
  const hold = net.data?.hold;
  if (!hold) return null;
  return (
    <MessageBar intent="error" layout="multiline" className={s.bannerSpace} data-testid="safety-net-banner">
      <MessageBarBody>
        <MessageBarTitle>
          Deletes are held since {fmtDateTime(hold.since)}: {plural(heldCount(net.data), "user")} waiting
        </MessageBarTitle>
        <span className={s.cause}>{hold.cause}</span>{" "}
        <RouteLink to="/safety-net">Review, release or discard the held deletes</RouteLink>.
      </MessageBarBody>
    </MessageBar>
  );
}
