import {
  Badge,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from "@fluentui/react-components";
import type { Health } from "../api";
import { useGet } from "../hooks";
import { fmtAgo, fmtDate, fmtDateTime, fmtPercent } from "../format";
import {
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  RouteLink,
  Section,
  TableScroll,
} from "../components/common";
import { BackgroundJobs } from "../components/BackgroundJobs";
import { SafetyNetBanner } from "./SafetyNet";

const useStyles = makeStyles({
  cards: {
    display: "grid",
    gridTemplateColumns: "repeat(auto-fill, minmax(220px, 1fr))",
    gap: tokens.spacingHorizontalL,
    marginBottom: tokens.spacingVerticalL,
  },
  card: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalXS,
    padding: tokens.spacingVerticalL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow4,
  },
  label: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200, margin: 0 },
  value: { fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold, margin: 0 },
  sub: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200, margin: 0 },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, wordBreak: "break-all" },
  stack: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    marginBottom: tokens.spacingVerticalL,
  },
});

/** Share of failed requests from which the page warns; Entra quarantines a job whose requests mostly fail. */
const WARN_SHARE = 0.2;
const ALARM_SHARE = 0.5;

function Card({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId: string }) {
  const s = useStyles();
  return (
    <div className={s.card} role="group" aria-label={label} data-testid={testId}>
      <p className={s.label}>{label}</p>
      <p className={s.value}>{value}</p>
      {sub && <p className={s.sub}>{sub}</p>}
    </div>
  );
}

const dialectNames: Record<string, string> = {
  default: "Entra default (no aadOptscim062020)",
  rfc: "RFC 7644 (aadOptscim062020)",
};

/** Connection health: is Entra calling, is it succeeding, and what to fix in Entra or here; and the background jobs its changes started. */
export default function HealthPage() {
  const s = useStyles();
  const health = useGet<Health>("/api/admin/health");
  const h = health.data;

  return (
    <>
      <PageHeader
        title="Connection health"
        help="How Entra's provisioning job is doing against this tenant, and what to fix before Entra puts the job into quarantine."
      />
      <SafetyNetBanner />
      {health.loading && !h ? (
        <LoadingState label="Loading connection health…" />
      ) : health.error ? (
        <ErrorState error={health.error} what="connection health" onRetry={health.reload} />
      ) : h ? (
        <>
          <div className={s.stack}>
            {!h.lastRequestAt && (
              <EmptyState title="Entra has not called yet">
                Set up how Entra authenticates on <RouteLink to="/authentication">Authentication</RouteLink> (an OAuth
                client, recommended) or create a token on <RouteLink to="/integrations/tokens">Tokens</RouteLink>, paste
                the values into Entra (Enterprise applications → your app → Provisioning), then run Test Connection.
              </EmptyState>
            )}
            {h.requests24h > 0 && h.failureShare >= WARN_SHARE && (
              <MessageBar intent={h.failureShare >= ALARM_SHARE ? "error" : "warning"} layout="multiline" role="alert">
                <MessageBarBody>
                  <MessageBarTitle>
                    {fmtPercent(h.failureShare)} of Entra's requests failed in the last 24 hours
                  </MessageBarTitle>
                  Entra quarantines a provisioning job whose requests mostly fail. Open the{" "}
                  <RouteLink to="/log">Provisioning log</RouteLink>, filter on Failure and fix what the error details
                  name.
                </MessageBarBody>
              </MessageBar>
            )}
            {h.activeTokens === 0 && h.activeOAuthClients === 0 && (
              <MessageBar intent="error" layout="multiline">
                <MessageBarBody>
                  <MessageBarTitle>No active credential</MessageBarTitle>
                  Entra cannot provision without one. <RouteLink to="/authentication">
                    Create an OAuth client
                  </RouteLink>{" "}
                  and paste its values into Entra (or, for an existing connection,{" "}
                  <RouteLink to="/integrations/tokens">a Secret Token</RouteLink>).
                </MessageBarBody>
              </MessageBar>
            )}
          </div>
          <div className={s.cards}>
            <Card
              testId="health-last-request"
              label="Last request from Entra"
              value={h.lastRequestAt ? fmtAgo(h.lastRequestAt) : "Never"}
              sub={h.lastRequestAt ? fmtDateTime(h.lastRequestAt) : undefined}
            />
            <Card
              testId="health-last-success"
              label="Last successful request"
              value={h.lastSuccessAt ? fmtAgo(h.lastSuccessAt) : "Never"}
              sub={h.lastSuccessAt ? fmtDateTime(h.lastSuccessAt) : undefined}
            />
            <Card
              testId="health-failures"
              label="Failures, last 24 hours"
              value={`${h.failures24h} of ${h.requests24h}`}
              sub={h.requests24h ? `${fmtPercent(h.failureShare)} of all requests` : "No requests in the last 24 hours"}
            />
            <Card testId="health-active-tokens" label="Active tokens" value={String(h.activeTokens)} />
            <Card
              testId="health-active-oauth-clients"
              label="Active OAuth clients"
              value={String(h.activeOAuthClients)}
            />
          </div>

          <Section title="PATCH dialects seen">
            {Object.keys(h.patchDialects).length === 0 ? (
              <Text>No PATCH request yet.</Text>
            ) : (
              <ul>
                {Object.entries(h.patchDialects).map(([k, n]) => (
                  <li key={k}>
                    {dialectNames[k] ?? k}: {n} request{n === 1 ? "" : "s"}
                  </li>
                ))}
              </ul>
            )}
            <Text size={200}>
              Both dialects work. Add ?aadOptscim062020 to the Tenant URL in Entra for RFC-compliant PATCH.
            </Text>
          </Section>

          <Section title="Tokens expiring soon">
            {h.expiringTokens.length === 0 ? (
              <Text>No token expires in the next 30 days.</Text>
            ) : (
              <>
                <ul>
                  {h.expiringTokens.map((t) => (
                    <li key={t.id}>
                      <strong>{t.name}</strong> expires {fmtDate(t.expiresAt)}{" "}
                      <Badge appearance="tint" color="warning" shape="rounded">
                        {t.expiresInDays !== null
                          ? `in ${t.expiresInDays} day${t.expiresInDays === 1 ? "" : "s"}`
                          : "soon"}
                      </Badge>
                    </li>
                  ))}
                </ul>
                <Text>
                  Rotate now: <RouteLink to="/integrations/tokens">create a new token</RouteLink>, paste it into Entra,
                  then revoke the old one.
                </Text>
              </>
            )}
          </Section>

          <Section title="OAuth client secrets expiring soon">
            {h.oauthSecretsExpiring.length === 0 ? (
              <Text>No OAuth client secret expires in the next 30 days.</Text>
            ) : (
              <>
                <ul>
                  {h.oauthSecretsExpiring.map((x) => (
                    <li key={`${x.clientId}/${x.secretId}`}>
                      <strong>{x.clientName}</strong>: secret <span className={s.mono}>{x.secretId}</span> expires{" "}
                      {fmtDate(x.expiresAt)}{" "}
                      <Badge appearance="tint" color={x.expiresInDays <= 7 ? "danger" : "warning"} shape="rounded">
                        {x.expiresInDays <= 0
                          ? "today"
                          : `in ${x.expiresInDays} day${x.expiresInDays === 1 ? "" : "s"}`}
                      </Badge>
                    </li>
                  ))}
                </ul>
                <Text>
                  Rotate now: on <RouteLink to="/authentication">Authentication</RouteLink>, add a secret to the client,
                  paste it into Entra, then revoke the old one.
                </Text>
              </>
            )}
          </Section>

          <Section title="Attributes Entra sends that the product ignores">
            {h.ignoredAttributes.length === 0 ? (
              <Text>None: every attribute Entra sends is used.</Text>
            ) : (
              <>
                <Text>
                  Remove these attribute mappings in Entra (Enterprise applications → your app → Provisioning →
                  Mappings): they are sent on every cycle and never used.
                </Text>
                <TableScroll label="Ignored attributes table">
                  <Table aria-label="Ignored attributes" size="small">
                    <TableHeader>
                      <TableRow>
                        <TableHeaderCell>Attribute</TableHeaderCell>
                        <TableHeaderCell>Requests</TableHeaderCell>
                        <TableHeaderCell>Last seen</TableHeaderCell>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {h.ignoredAttributes.map((a) => (
                        <TableRow key={a.attribute}>
                          <TableCell className={s.mono}>{a.attribute}</TableCell>
                          <TableCell>{a.count}</TableCell>
                          <TableCell>{fmtDateTime(a.lastSeen)}</TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </TableScroll>
              </>
            )}
          </Section>

          <Section title="Object IDs carried by more than one user">
            {h.objectIdConflicts.length === 0 ? (
              <Text>None.</Text>
            ) : (
              <>
                <Text>
                  Only one user can sign in with an Entra account. Open each user and remove the Object ID from the
                  wrong one.
                </Text>
                <TableScroll label="Object ID conflicts table">
                  <Table aria-label="Object ID conflicts" size="small">
                    <TableHeader>
                      <TableRow>
                        <TableHeaderCell>Object ID</TableHeaderCell>
                        <TableHeaderCell>Users</TableHeaderCell>
                      </TableRow>
                    </TableHeader>
                    <TableBody>
                      {h.objectIdConflicts.map((c) => (
                        <TableRow key={c.objectId}>
                          <TableCell className={s.mono}>{c.objectId}</TableCell>
                          <TableCell>
                            {c.userIds.map((id, i) => (
                              <span key={id}>
                                {i > 0 && ", "}
                                <RouteLink to={`/users/${encodeURIComponent(id)}`}>{id}</RouteLink>
                              </span>
                            ))}
                          </TableCell>
                        </TableRow>
                      ))}
                    </TableBody>
                  </Table>
                </TableScroll>
              </>
            )}
          </Section>
        </>
      ) : null}
      <BackgroundJobs />
    </>
  );
}
