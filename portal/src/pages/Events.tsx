import { useEffect, useMemo, useRef, useState, type FormEvent, type RefObject } from "react";
import {
  Badge,
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Select,
  Subtitle2,
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
import {
  AddRegular,
  ArrowClockwiseRegular,
  DeleteRegular,
  KeyResetRegular,
  PauseRegular,
  PlayRegular,
  SendRegular,
} from "@fluentui/react-icons";
import {
  api,
  withQuery,
  type DeliveryList,
  type DeliveryState,
  type DeliveryView,
  type EventContent,
  type EventFormat,
  type SubscriptionCreated,
  type SubscriptionView,
} from "../api";
import { useAction, useGet } from "../hooks";
import { fmtDateTime } from "../format";
import { navigate, useSearch } from "../router";
import { breakable } from "../components/AuditTable";
import {
  ConfirmDialog,
  CopyField,
  DangerButton,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  ProblemBar,
  Section,
  ShownOnceDialog,
  TableScroll,
  focusSection,
} from "../components/common";

const useStyles = makeStyles({
  form: {
    display: "grid",
    gridTemplateColumns: "repeat(2, minmax(0, 1fr))",
    gap: tokens.spacingHorizontalL,
    alignItems: "start",
    maxWidth: "760px",
    // Phones: one field under the other.
    "@media (max-width: 640px)": { gridTemplateColumns: "minmax(0, 1fr)" },
  },
  wide: { gridColumn: "1 / -1" },
  actions: { gridColumn: "1 / -1", display: "flex", gap: tokens.spacingHorizontalS },
  // At the card's foot, so the cards of one row line their buttons up.
  rowActions: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalS, marginTop: "auto" },
  stack: {
    display: "flex",
    flexDirection: "column",
    alignItems: "flex-start",
    gap: tokens.spacingVerticalXXS,
    minWidth: 0,
  },
  cards: {
    listStyle: "none",
    margin: 0,
    padding: 0,
    display: "grid",
    gridTemplateColumns: "repeat(auto-fill, minmax(min(100%, 440px), 1fr))",
    gap: tokens.spacingHorizontalL,
  },
  card: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
    minWidth: 0,
    padding: tokens.spacingVerticalM,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  cardHead: { display: "flex", alignItems: "center", gap: tokens.spacingHorizontalS, flexWrap: "wrap" },
  cardTitle: { margin: 0, overflowWrap: "anywhere", minWidth: 0 },
  facts: {
    display: "grid",
    gridTemplateColumns: "max-content minmax(0, 1fr)",
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
    fontSize: tokens.fontSizeBase200,
    "& dt": { color: tokens.colorNeutralForeground2 },
    "& dd": { margin: 0, minWidth: 0, overflowWrap: "anywhere" },
  },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: "anywhere" },
  muted: { color: tokens.colorNeutralForeground2 },
  nowrap: { whiteSpace: "nowrap" },
  errorText: { color: tokens.colorPaletteRedForeground1, overflowWrap: "anywhere" },
  filters: { display: "flex", gap: tokens.spacingHorizontalM, alignItems: "end", flexWrap: "wrap" },
  filter: { minWidth: "min(100%, 240px)" },
  pager: {
    display: "flex",
    gap: tokens.spacingHorizontalM,
    alignItems: "center",
    flexWrap: "wrap",
    marginTop: tokens.spacingVerticalM,
  },
  // Column widths of the deliveries table.
  eventColumn: { width: "16%" },
  resourceColumn: { width: "18%" },
  timeColumn: { width: "13%" },
  deliveryStateColumn: { width: "12%" },
  attemptsColumn: { width: "8%" },
  latencyColumn: { width: "9%" },
  answerColumn: { width: "24%" },
  table: { minWidth: "880px" },
});

const FORMATS: Record<EventFormat, { label: string; help: string }> = {
  webhook: {
    label: "Webhook (signed JSON)",
    help: "Each event is POSTed to your URL as JSON, signed with HMAC-SHA256 (Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature).",
  },
  set: {
    label: "Security Event Tokens (RFC 8935 push)",
    help: "Each event is POSTed to your URL as an RFC 9967 Security Event Token: a JWT signed with HS256 and the signing secret.",
  },
  poll: {
    label: "Poll (RFC 8936)",
    help: "Your application fetches events from this service at /events/poll with the secret as a Bearer token, and acknowledges them. No URL needed.",
  },
};

const CONTENTS: Record<EventContent, { label: string; help: string }> = {
  full: { label: "Full", help: "Events carry the user's or group's SCIM attributes after the change." },
  notice: { label: "Notice", help: "Events carry only the resource's id and which attributes changed." },
};

const STATES: Record<DeliveryState, { label: string; color: "informative" | "success" | "danger" }> = {
  pending: { label: "Pending", color: "informative" },
  delivered: { label: "Delivered", color: "success" },
  dead: { label: "Dead-lettered", color: "danger" },
};

const EVENT_TYPES: Record<string, string> = {
  "user.created": "User created",
  "user.changed": "User changed",
  "user.activated": "User activated",
  "user.deactivated": "User disconnected",
  "user.deleted": "User deleted",
  "group.created": "Group created",
  "group.changed": "Group changed",
  "group.deleted": "Group deleted",
  "membership.added": "Members added",
  "membership.removed": "Members removed",
  "role.changed": "Role changed",
  test: "Test event",
};

const PAGE_SIZE = 25;
/** How often the deliveries are read again while one is pending (a push usually lands within a second). */
const REFRESH_MS = 2000;
const SUBSCRIPTIONS_ID = "subscriptions-heading";

/** What names a subscription in lists, buttons and dialogs: its description, else where it sends, else its id. */
function subscriptionName(s: SubscriptionView): string {
  return s.description || s.url || `Poll subscription ${s.id}`;
}

/** "85 ms", "1.4 s", "3 min": latency from the change to the subscriber's answer. */
function fmtLatency(ms: number | undefined): string {
  if (ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The deliveries' filters as the address keeps them (`?subscription=&state=&page=`), so reload and a shared link keep them. */
interface DeliveryFilters {
  subscription: string;
  state: string;
  page: number;
}

function fromSearch(search: string): DeliveryFilters {
  const p = new URLSearchParams(search);
  const page = Number(p.get("page"));
  const state = p.get("state") ?? "";
  return {
    subscription: p.get("subscription") ?? "",
    state: state in STATES ? state : "",
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

function goTo(f: DeliveryFilters): void {
  navigate(`/events${withQuery("", { ...f, page: f.page > 1 ? f.page : undefined })}`);
}

/**
 * Events: the subscriptions that receive this tenant's provisioning events (create, with the
 * signing secret shown once; test, pause, rotate, delete), and recent deliveries with their state,
 * latency and last answer, with Retry for a dead-lettered one.
 */
export default function EventsPage() {
  const subs = useGet<{ subscriptions: SubscriptionView[] }>("/api/admin/events/subscriptions");
  const [created, setCreated] = useState<{ result: SubscriptionCreated; rotated: boolean }>();
  const [rotating, setRotating] = useState<SubscriptionView>();
  const [deleting, setDeleting] = useState<SubscriptionView>();
  const [notice, setNotice] = useState<string>();
  const [deliveriesNonce, setDeliveriesNonce] = useState(0);
  const createButton = useRef<HTMLButtonElement>(null);
  const list = subs.data?.subscriptions;

  /** Puts the server's view of one subscription into the list (new ones first). */
  const upsert = (s: SubscriptionView) => {
    if (!list) return subs.reload();
    subs.setData({
      subscriptions: list.some((x) => x.id === s.id) ? list.map((x) => (x.id === s.id ? s : x)) : [s, ...list],
    });
  };

  return (
    <>
      <PageHeader
        title="Events"
        help={
          <>
            Your application learns of every provisioning change (users created, changed, disconnected or deleted;
            groups and their members; roles) from events: pushed to a URL as signed webhooks or Security Event Tokens,
            or fetched by polling. Each event is delivered at least once, in order per user or group, and retried for 24
            hours before it is dead-lettered.
          </>
        }
      />
      {notice && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      <CreateSubscriptionForm
        buttonRef={createButton}
        onCreated={(c) => {
          setNotice(undefined);
          upsert(c.subscription);
          setCreated({ result: c, rotated: false });
        }}
      />
      <Section title="Subscriptions" id={SUBSCRIPTIONS_ID}>
        {subs.loading && !list ? (
          <LoadingState label="Loading subscriptions…" />
        ) : subs.error && !list ? (
          <ErrorState error={subs.error} what="the subscriptions" onRetry={subs.reload} />
        ) : list && list.length === 0 ? (
          <EmptyState title="No subscription yet">
            Create one above: enter the URL where your application receives events (or choose Poll), then copy the
            signing secret into your application so it can verify each event.
          </EmptyState>
        ) : list ? (
          <SubscriptionList
            subscriptions={list}
            onChanged={(s, message) => {
              upsert(s);
              setNotice(message);
            }}
            onTested={(s) => {
              setNotice(`Test event sent to ${subscriptionName(s)}. Its delivery shows under Recent deliveries.`);
              setDeliveriesNonce((n) => n + 1);
              subs.reload();
            }}
            onRotate={setRotating}
            onDelete={setDeleting}
          />
        ) : null}
      </Section>
      <Deliveries subscriptions={list ?? []} nonce={deliveriesNonce} onProgress={subs.reload} />
      <SecretDialog
        created={created}
        onClose={() => {
          const wasRotation = created?.rotated;
          setCreated(undefined);
          // Back to where the flow started: the form, or the list (the row's Rotate button is behind the dialog).
          if (wasRotation) focusSection(SUBSCRIPTIONS_ID);
          else setTimeout(() => createButton.current?.focus(), 0);
        }}
      />
      <ConfirmDialog
        open={!!rotating}
        title={`Rotate the signing secret of ${rotating ? subscriptionName(rotating) : ""}?`}
        confirmLabel="Rotate secret"
        busyLabel="Rotating…"
        failedTitle="The secret was not rotated"
        describedBy="rotate-consequence"
        run={() =>
          api.post<SubscriptionCreated>(`/api/admin/events/subscriptions/${encodeURIComponent(rotating!.id)}/rotate`)
        }
        onClose={() => setRotating(undefined)}
        onDone={(res) => {
          setRotating(undefined);
          upsert(res.subscription);
          setNotice(undefined);
          setCreated({ result: res, rotated: true });
        }}
      >
        <Text as="p" id="rotate-consequence">
          A new signing secret is made and shown once. For 24 hours events are signed with both the new and the previous
          secret, so put the new one into your application within a day; after that only the new one is valid.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the subscription ${deleting ? subscriptionName(deleting) : ""}?`}
        confirmLabel="Delete subscription"
        busyLabel="Deleting…"
        failedTitle="The subscription was not deleted"
        describedBy="delete-consequence"
        run={async () => {
          await api.del<void>(`/api/admin/events/subscriptions/${encodeURIComponent(deleting!.id)}`);
          return deleting!;
        }}
        onClose={() => setDeleting(undefined)}
        onDone={(gone) => {
          setDeleting(undefined);
          if (list) subs.setData({ subscriptions: list.filter((x) => x.id !== gone.id) });
          setNotice(`Subscription ${subscriptionName(gone)} deleted. It receives no more events.`);
          setDeliveriesNonce((n) => n + 1);
          focusSection(SUBSCRIPTIONS_ID);
        }}
      >
        <Text as="p" id="delete-consequence">
          Your application receives no more events from this subscription, and its pending deliveries are dropped. To
          pause deliveries for a while instead (and receive the events later), choose Pause.
        </Text>
      </ConfirmDialog>
    </>
  );
}

function CreateSubscriptionForm({
  onCreated,
  buttonRef,
}: {
  onCreated: (c: SubscriptionCreated) => void;
  buttonRef: RefObject<HTMLButtonElement | null>;
}) {
  const s = useStyles();
  const [format, setFormat] = useState<EventFormat>("webhook");
  const [content, setContent] = useState<EventContent>("full");
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [urlError, setUrlError] = useState<string>();
  const action = useAction();
  const urlInput = useRef<HTMLInputElement>(null);
  const push = format !== "poll";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const trimmed = url.trim();
    const error = push ? checkUrl(trimmed) : undefined;
    setUrlError(error);
    if (error) return urlInput.current?.focus();
    const res = await action.run(() =>
      api.post<SubscriptionCreated>("/api/admin/events/subscriptions", {
        format,
        content,
        ...(push ? { url: trimmed } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      }),
    );
    if (res) {
      setUrl("");
      setDescription("");
      onCreated(res);
    }
  };

  return (
    <Section title="Create a subscription">
      <form className={s.form} onSubmit={submit} noValidate aria-label="Create a subscription">
        <Field label="Format" hint={FORMATS[format].help}>
          <Select value={format} onChange={(_, d) => setFormat(d.value as EventFormat)}>
            {(Object.keys(FORMATS) as EventFormat[]).map((f) => (
              <option key={f} value={f}>
                {FORMATS[f].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Content" hint={CONTENTS[content].help}>
          <Select value={content} onChange={(_, d) => setContent(d.value as EventContent)}>
            {(Object.keys(CONTENTS) as EventContent[]).map((c) => (
              <option key={c} value={c}>
                {CONTENTS[c].label}
              </option>
            ))}
          </Select>
        </Field>
        {push && (
          <Field
            className={s.wide}
            label="URL"
            required
            validationMessage={urlError ?? action.error?.fieldError("url")}
            hint="An https address of your application that accepts POST requests. It must resolve to a public address."
          >
            <Input
              ref={urlInput}
              type="url"
              value={url}
              onChange={(_, d) => setUrl(d.value)}
              placeholder="https://app.example.com/scim-events"
              autoComplete="off"
              className={s.mono}
            />
          </Field>
        )}
        <Field
          className={s.wide}
          label="Description"
          hint="Optional: names the subscription in this list and in the provisioning log."
          validationMessage={action.error?.fieldError("description")}
        >
          <Input value={description} onChange={(_, d) => setDescription(d.value)} maxLength={200} autoComplete="off" />
        </Field>
        <div className={s.actions}>
          <Button
            type="submit"
            appearance="primary"
            icon={<AddRegular />}
            disabledFocusable={action.busy}
            ref={buttonRef}
          >
            {action.busy ? "Creating…" : "Create subscription"}
          </Button>
        </div>
        <div className={s.wide}>
          <ProblemBar
            error={action.error}
            title="The subscription was not created"
            hideFields={["url", "description"]}
          />
        </div>
      </form>
    </Section>
  );
}

/** The obvious mistakes, named before the request; the server checks the rest (https only, public addresses). */
function checkUrl(url: string): string | undefined {
  if (!url) return "Enter the URL where your application receives events, e.g. https://app.example.com/scim-events.";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "Enter a whole address, starting with https://.";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "The address must start with https://.";
  return undefined;
}

function StateBadge({ paused }: { paused: boolean }) {
  return (
    <Badge appearance="tint" color={paused ? "warning" : "success"} shape="rounded">
      {paused ? "Paused" : "Active"}
    </Badge>
  );
}

/**
 * The subscriptions as cards, not a table: each one's actions stay on screen at any width (a phone
 * would otherwise have to scroll a table sideways to reach Pause or Delete).
 */
function SubscriptionList({
  subscriptions,
  onChanged,
  onTested,
  onRotate,
  onDelete,
}: {
  subscriptions: SubscriptionView[];
  onChanged: (s: SubscriptionView, message: string) => void;
  onTested: (s: SubscriptionView) => void;
  onRotate: (s: SubscriptionView) => void;
  onDelete: (s: SubscriptionView) => void;
}) {
  const s = useStyles();
  const action = useAction();
  const restoreTarget = useRestoreFocusTarget();
  const [failed, setFailed] = useState<string>();

  const base = (x: SubscriptionView) => `/api/admin/events/subscriptions/${encodeURIComponent(x.id)}`;
  const setPaused = async (x: SubscriptionView, paused: boolean) => {
    setFailed(paused ? "The subscription was not paused" : "The subscription was not resumed");
    const res = await action.run(() =>
      api.post<{ subscription: SubscriptionView }>(`${base(x)}/${paused ? "pause" : "resume"}`),
    );
    if (res)
      onChanged(
        res.subscription,
        paused
          ? `${subscriptionName(x)} is paused: events wait for it and are delivered when you resume it.`
          : `${subscriptionName(x)} is active again: the events that waited are delivered now.`,
      );
  };
  const test = async (x: SubscriptionView) => {
    setFailed("The test event was not sent");
    const res = await action.run(() => api.post<{ delivery: DeliveryView }>(`${base(x)}/test`));
    if (res) onTested(x);
  };

  return (
    <>
      {failed && <ProblemBar error={action.error} title={failed} />}
      <ul className={s.cards} aria-label="Subscriptions">
        {subscriptions.map((x) => {
          const name = subscriptionName(x);
          const headingId = `subscription-${x.id}`;
          return (
            <li key={x.id} className={s.card} aria-labelledby={headingId} data-testid={`subscription-${x.id}`}>
              <div className={s.cardHead}>
                <Subtitle2 as="h3" id={headingId} className={s.cardTitle}>
                  {x.description || FORMATS[x.format]?.label || x.format}
                </Subtitle2>
                <StateBadge paused={x.paused} />
              </div>
              <dl className={s.facts}>
                <dt>Sends to</dt>
                <dd>
                  {x.url ? (
                    <span className={s.mono}>{breakable(x.url)}</span>
                  ) : (
                    <>
                      Polled at <span className={s.mono}>/events/poll</span>
                    </>
                  )}
                </dd>
                <dt>Format</dt>
                <dd>
                  {FORMATS[x.format]?.label ?? x.format}, {CONTENTS[x.content]?.label.toLowerCase() ?? x.content}{" "}
                  content
                </dd>
                <dt>Deliveries</dt>
                <dd>
                  {x.stats.pending} pending, {x.stats.delivered} delivered,{" "}
                  {x.stats.dead > 0 ? (
                    <Badge appearance="tint" color="danger" shape="rounded">
                      {x.stats.dead} dead-lettered
                    </Badge>
                  ) : (
                    "0 dead-lettered"
                  )}
                </dd>
                <dt>Last delivered</dt>
                <dd>{x.stats.lastDeliveredAt ? fmtDateTime(x.stats.lastDeliveredAt) : "Never"}</dd>
                {x.stats.lastError && (
                  <>
                    <dt>Last error</dt>
                    <dd className={s.errorText}>{x.stats.lastError}</dd>
                  </>
                )}
                <dt>Created</dt>
                <dd>
                  {fmtDateTime(x.created)} by {breakable(x.createdBy)}
                  {x.secretRotated ? `; secret rotated ${fmtDateTime(x.secretRotated)}` : ""}
                </dd>
              </dl>
              <div className={s.rowActions}>
                <Button
                  size="small"
                  icon={<SendRegular />}
                  onClick={() => void test(x)}
                  disabledFocusable={action.busy}
                  aria-label={`Send test event to ${name}`}
                >
                  Send test event
                </Button>
                <Button
                  size="small"
                  icon={x.paused ? <PlayRegular /> : <PauseRegular />}
                  onClick={() => void setPaused(x, !x.paused)}
                  disabledFocusable={action.busy}
                  aria-label={`${x.paused ? "Resume" : "Pause"} ${name}`}
                >
                  {x.paused ? "Resume" : "Pause"}
                </Button>
                <Button
                  size="small"
                  icon={<KeyResetRegular />}
                  onClick={() => onRotate(x)}
                  disabledFocusable={action.busy}
                  aria-label={`Rotate secret of ${name}`}
                  {...restoreTarget}
                >
                  Rotate secret
                </Button>
                <DangerButton
                  size="small"
                  icon={<DeleteRegular />}
                  onClick={() => onDelete(x)}
                  disabledFocusable={action.busy}
                  aria-label={`Delete ${name}`}
                  {...restoreTarget}
                >
                  Delete
                </DangerButton>
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** The signing secret of a new subscription, or of a rotation: shown once, with what to do with it. */
function SecretDialog({
  created,
  onClose,
}: {
  created?: { result: SubscriptionCreated; rotated: boolean };
  onClose: () => void;
}) {
  const sub = created?.result.subscription;
  return (
    <ShownOnceDialog
      open={!!created}
      title={created?.rotated ? "Signing secret rotated" : "Subscription created"}
      warning="Copy the signing secret now"
      why="It will not be shown again. If you lose it, rotate the secret to get a new one."
      onClose={onClose}
    >
      {created && sub && (
        <>
          <Text>
            {sub.format === "poll"
              ? `Your application polls ${window.location.origin}/events/poll with this secret as its Bearer token.`
              : sub.format === "webhook"
                ? "Your application verifies each request's webhook-signature header with this secret (Standard Webhooks) and refuses requests that do not match."
                : "Your application verifies each Security Event Token's HS256 signature with this secret and refuses tokens that do not match."}
            {created.rotated ? " The previous secret stays valid for 24 hours." : ""}
          </Text>
          <CopyField
            label="Signing secret"
            value={created.result.secret}
            hint={`Subscription ${subscriptionName(sub)}.`}
          />
        </>
      )}
    </ShownOnceDialog>
  );
}

function DeliveryStateBadge({ state }: { state: DeliveryState }) {
  const s = useStyles();
  const b = STATES[state] ?? { label: state, color: "informative" as const };
  return (
    <Badge appearance="tint" color={b.color} shape="rounded" className={s.nowrap}>
      {b.label}
    </Badge>
  );
}

/**
 * Recent deliveries, newest first, filtered by subscription and state (kept in the address).
 * Read again every few seconds while one is pending, so a test event is seen landing.
 */
function Deliveries({
  subscriptions,
  nonce,
  onProgress,
}: {
  subscriptions: SubscriptionView[];
  nonce: number;
  /** A delivery moved on (refreshed while pending, settled, retried): the subscriptions' counts follow. */
  onProgress: () => void;
}) {
  const s = useStyles();
  const search = useSearch();
  const filters = useMemo(() => fromSearch(search), [search]);
  const deliveries = useGet<DeliveryList>(
    withQuery("/api/admin/events/deliveries", {
      subscription: filters.subscription,
      state: filters.state,
      page: filters.page,
      limit: PAGE_SIZE,
    }),
  );
  const retry = useAction();
  const [retried, setRetried] = useState<string>();
  const data = deliveries.data;
  const pending = data?.deliveries.some((d) => d.state === "pending") ?? false;
  const { reload } = deliveries;

  // A test event sent, or a subscription deleted: read again.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    reload();
  }, [nonce, reload]);

  useEffect(() => {
    if (!pending || deliveries.loading) return undefined;
    const timer = setTimeout(() => {
      reload();
      onProgress();
    }, REFRESH_MS);
    return () => clearTimeout(timer);
  }, [pending, data, deliveries.loading, reload, onProgress]);

  // The last pending delivery settled: read the counts once more, after it.
  const wasPending = useRef(false);
  useEffect(() => {
    if (wasPending.current && !pending && data) onProgress();
    wasPending.current = pending;
  }, [pending, data, onProgress]);

  const names = new Map(subscriptions.map((x) => [x.id, subscriptionName(x)]));
  const retryDelivery = async (d: DeliveryView) => {
    setRetried(undefined);
    const res = await retry.run(() =>
      api.post<{ delivery: DeliveryView }>(`/api/admin/events/deliveries/${encodeURIComponent(d.id)}/retry`),
    );
    if (!res || !data) return;
    deliveries.setData({
      ...data,
      deliveries: data.deliveries.map((x) => (x.id === res.delivery.id ? res.delivery : x)),
    });
    setRetried(
      `The ${EVENT_TYPES[d.eventType] ?? d.eventType} event is delivered again now, and retried for 24 hours.`,
    );
    onProgress();
    focusSection("deliveries-heading");
  };

  const filtered = !!(filters.subscription || filters.state);
  const from = data && data.deliveries.length ? (filters.page - 1) * PAGE_SIZE + 1 : 0;
  const to = data ? from + data.deliveries.length - 1 : 0;
  const hasMore = data ? filters.page * PAGE_SIZE < data.total : false;

  return (
    <Section title="Recent deliveries" id="deliveries-heading">
      <div className={s.filters}>
        <Field label="Subscription" className={s.filter}>
          <Select
            value={filters.subscription}
            onChange={(_, d) => goTo({ ...filters, subscription: d.value, page: 1 })}
          >
            <option value="">All subscriptions</option>
            {subscriptions.map((x) => (
              <option key={x.id} value={x.id}>
                {subscriptionName(x)}
              </option>
            ))}
            {filters.subscription && !names.has(filters.subscription) && (
              <option value={filters.subscription}>{filters.subscription}</option>
            )}
          </Select>
        </Field>
        <Field label="State" className={s.filter}>
          <Select value={filters.state} onChange={(_, d) => goTo({ ...filters, state: d.value, page: 1 })}>
            <option value="">All states</option>
            {(Object.keys(STATES) as DeliveryState[]).map((k) => (
              <option key={k} value={k}>
                {STATES[k].label}
              </option>
            ))}
          </Select>
        </Field>
        <Button icon={<ArrowClockwiseRegular />} onClick={reload} disabledFocusable={deliveries.loading}>
          Refresh
        </Button>
      </div>
      {deliveries.error && <ErrorState error={deliveries.error} what="the deliveries" onRetry={reload} />}
      <ProblemBar error={retry.error} title="The delivery was not retried" />
      {retried && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{retried}</MessageBarBody>
        </MessageBar>
      )}
      {deliveries.loading && !data ? (
        <LoadingState label="Loading deliveries…" />
      ) : data && data.deliveries.length === 0 && !deliveries.error ? (
        filtered || filters.page > 1 ? (
          <EmptyState
            title="No delivery matches these filters"
            action={<Button onClick={() => goTo({ subscription: "", state: "", page: 1 })}>Clear filters</Button>}
          >
            Pick another subscription or state.
          </EmptyState>
        ) : (
          <EmptyState title="No delivery yet">
            Deliveries show here once a subscription receives an event: choose Send test event on a subscription, or
            wait for the next change Entra provisions.
          </EmptyState>
        )
      ) : data && !deliveries.error ? (
        <>
          <TableScroll label="Deliveries table">
            <Table aria-label="Deliveries" size="small" className={s.table}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell className={s.eventColumn}>Event</TableHeaderCell>
                  <TableHeaderCell className={s.deliveryStateColumn}>State</TableHeaderCell>
                  <TableHeaderCell className={s.resourceColumn}>Resource</TableHeaderCell>
                  <TableHeaderCell className={s.timeColumn}>Time</TableHeaderCell>
                  <TableHeaderCell className={s.attemptsColumn}>Attempts</TableHeaderCell>
                  <TableHeaderCell className={s.latencyColumn}>Latency</TableHeaderCell>
                  <TableHeaderCell className={s.answerColumn}>Last answer</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.deliveries.map((d) => (
                  <TableRow key={d.id} data-testid="delivery-row">
                    <TableCell>
                      <div className={s.stack}>
                        <Text>{EVENT_TYPES[d.eventType] ?? d.eventType}</Text>
                        {!filters.subscription && (
                          <Text size={200} className={s.muted}>
                            to {names.get(d.subscriptionId) ?? d.subscriptionId}
                          </Text>
                        )}
                      </div>
                    </TableCell>
                    <TableCell>
                      <DeliveryStateBadge state={d.state} />
                    </TableCell>
                    <TableCell>
                      <div className={s.stack}>
                        <Text size={200}>{d.resourceType}</Text>
                        <span className={s.mono}>{d.resourceId}</span>
                      </div>
                    </TableCell>
                    <TableCell>{fmtDateTime(d.eventTime)}</TableCell>
                    <TableCell>{d.attempts}</TableCell>
                    <TableCell>{fmtLatency(d.latencyMs)}</TableCell>
                    <TableCell>
                      <LastAnswer delivery={d} onRetry={retryDelivery} busy={retry.busy} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableScroll>
          <nav className={s.pager} aria-label="Pages of deliveries">
            <Button
              onClick={() => goTo({ ...filters, page: filters.page - 1 })}
              disabledFocusable={filters.page <= 1 || deliveries.loading}
            >
              Previous page
            </Button>
            <Text aria-live="polite">
              Deliveries {from.toLocaleString("en-US")}–{to.toLocaleString("en-US")} of{" "}
              {data.total.toLocaleString("en-US")}
              {pending ? ` (refreshing every ${REFRESH_MS / 1000} seconds while one is pending)` : ""}
            </Text>
            <Button
              onClick={() => goTo({ ...filters, page: filters.page + 1 })}
              disabledFocusable={!hasMore || deliveries.loading}
            >
              Next page
            </Button>
          </nav>
        </>
      ) : null}
    </Section>
  );
}

/** The subscriber's last answer (status, error), when the next attempt is due, and Retry for a dead-lettered delivery. */
function LastAnswer({
  delivery: d,
  onRetry,
  busy,
}: {
  delivery: DeliveryView;
  onRetry: (d: DeliveryView) => void;
  busy: boolean;
}) {
  const s = useStyles();
  return (
    <div className={s.stack}>
      {d.lastStatus !== undefined && (
        <Text size={200} className={d.lastStatus >= 200 && d.lastStatus < 300 ? undefined : s.errorText}>
          HTTP {d.lastStatus}
        </Text>
      )}
      {d.lastError && (
        <Text size={200} className={s.errorText}>
          {d.lastError}
        </Text>
      )}
      {d.state === "pending" && d.nextAttemptAt && d.attempts > 0 && (
        <Text size={200} className={s.muted}>
          Next attempt {fmtDateTime(d.nextAttemptAt)}
        </Text>
      )}
      {d.state === "delivered" && d.deliveredAt && d.lastStatus === undefined && (
        <Text size={200}>Acknowledged {fmtDateTime(d.deliveredAt)}</Text>
      )}
      {d.lastStatus === undefined && !d.lastError && d.state === "pending" && d.attempts === 0 && (
        <Text size={200} className={s.muted}>
          Not tried yet
        </Text>
      )}
      {d.state === "dead" && (
        <div>
          <Button
            size="small"
            icon={<ArrowClockwiseRegular />}
            onClick={() => onRetry(d)}
            disabledFocusable={busy}
            aria-label={`Retry the ${EVENT_TYPES[d.eventType] ?? d.eventType} event of ${d.resourceType} ${d.resourceId}`}
          >
            Retry
          </Button>
        </div>
      )}
    </div>
  );
}
