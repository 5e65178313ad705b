import { useRef, useState, type FormEvent, type MouseEvent, type ReactNode, type RefObject } from "react";
import {
  Badge,
  Body1,
  Button,
  Caption1,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
  Subtitle2,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Textarea,
  makeStyles,
  mergeClasses,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import { AddRegular, DeleteRegular, KeyRegular } from "@fluentui/react-icons";
import {
  api,
  type FederatedCredential,
  type Me,
  type OAuthClient,
  type OAuthClientCreated,
  type OAuthSecret,
  type OAuthSecretCreated,
  type OAuthSetup,
} from "../api";
import { useAction, useGet } from "../hooks";
import { GUID, fmtAgo, fmtDate, fmtDateTime } from "../format";
import {
  ConfirmDialog,
  CopyField,
  ShownOnceDialog,
  DangerButton,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  ProblemBar,
  RouteLink,
  Section,
  TokenStatusBadge,
} from "../components/common";

const useStyles = makeStyles({
  methods: {
    display: "grid",
    gridTemplateColumns: "repeat(auto-fit, minmax(240px, 1fr))",
    gap: tokens.spacingHorizontalM,
    marginBottom: tokens.spacingVerticalL,
  },
  method: {
    display: "flex",
    justifyContent: "flex-start",
    alignItems: "flex-start",
    textAlign: "left",
    minWidth: 0,
    padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorNeutralBackground1,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow2,
  },
  methodSelected: { border: `1px solid ${tokens.colorBrandStroke1}`, backgroundColor: tokens.colorBrandBackground2 },
  methodText: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, whiteSpace: "normal" },
  methodTitle: { display: "flex", flexWrap: "wrap", alignItems: "center", gap: tokens.spacingHorizontalS },
  methodSummary: { color: tokens.colorNeutralForeground2, fontWeight: tokens.fontWeightRegular },
  methodStatus: { color: tokens.colorNeutralForeground1, fontWeight: tokens.fontWeightRegular },
  values: {
    display: "grid",
    gridTemplateColumns: "repeat(auto-fit, minmax(min(100%, 380px), 1fr))",
    gap: tokens.spacingHorizontalL,
    alignItems: "start",
  },
  creds: {
    listStyle: "none",
    margin: 0,
    padding: 0,
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalS,
  },
  cred: {
    display: "flex",
    flexWrap: "wrap",
    alignItems: "flex-start",
    gap: tokens.spacingHorizontalL,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    backgroundColor: tokens.colorNeutralBackground2,
    borderRadius: tokens.borderRadiusMedium,
  },
  credFacts: {
    flexGrow: 1,
    flexBasis: "280px",
    minWidth: 0,
    margin: 0,
    display: "grid",
    gridTemplateColumns: "max-content minmax(0, 1fr)",
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXXS,
    alignItems: "baseline",
    "@media (max-width: 640px)": { gridTemplateColumns: "minmax(0, 1fr)" },
  },
  form: {
    display: "grid",
    gridTemplateColumns: "repeat(auto-fit, minmax(min(100%, 220px), 1fr))",
    gap: tokens.spacingHorizontalL,
    alignItems: "start",
    maxWidth: "760px",
  },
  wide: { gridColumn: "1 / -1" },
  actions: {
    gridColumn: "1 / -1",
    display: "flex",
    flexWrap: "wrap",
    gap: tokens.spacingHorizontalS,
    alignItems: "end",
  },
  client: {
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingVerticalL,
    border: `1px solid ${tokens.colorNeutralStroke2}`,
    borderRadius: tokens.borderRadiusMedium,
  },
  clientHeader: { display: "flex", flexWrap: "wrap", alignItems: "center", gap: tokens.spacingHorizontalM },
  clientName: { margin: 0, overflowWrap: "anywhere" },
  spacer: { flexGrow: 1 },
  facts: {
    display: "grid",
    gridTemplateColumns: "repeat(auto-fit, minmax(160px, 1fr))",
    gap: tokens.spacingHorizontalL,
    margin: 0,
  },
  fact: { margin: 0 },
  factLabel: { color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  scroll: { overflowX: "auto", maxWidth: "100%" },
  // Narrow screens scroll the table sideways instead of squeezing its columns.
  secretTable: { minWidth: "640px" },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: "anywhere" },
  stack: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, alignItems: "flex-start" },
  muted: { color: tokens.colorNeutralForeground2 },
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  notice: { marginBottom: tokens.spacingVerticalL },
  rowActions: { display: "flex", flexWrap: "wrap", gap: tokens.spacingHorizontalS, alignItems: "end" },
});

type Method = "client-credentials" | "federation" | "secret-token";

/** The secret shown once, right after a client was created or a secret added. */
type Shown =
  | { kind: "client"; created: OAuthClientCreated }
  | {
      kind: "secret";
      client: OAuthClient;
      clientSecret: string;
      secret: OAuthSecret;
      tokenEndpoint: string;
      scope: string;
      tenantUrl: string;
    };

type Confirm =
  | { kind: "secret"; client: OAuthClient; secret: OAuthSecret }
  | { kind: "client"; client: OAuthClient }
  | { kind: "federated"; client: OAuthClient; credential: FederatedCredential };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const activeSecrets = (c: OAuthClient) => c.secrets.filter((x) => x.status === "active");

/** Integrations → Authentication: how Entra provisioning authenticates (OAuth 2.0 client credentials, workload identity federation, or the legacy Secret Token). */
export default function AuthenticationPage({ me }: { me: Me }) {
  const s = useStyles();
  const setup = useGet<OAuthSetup>("/api/admin/oauth");
  const data = setup.data;
  const [method, setMethod] = useState<Method>("client-credentials");
  const [shown, setShown] = useState<Shown>();
  const [confirm, setConfirm] = useState<Confirm>();
  const [notice, setNotice] = useState<string>();
  const createButton = useRef<HTMLButtonElement>(null);
  const afterShown = useRef<HTMLElement | null>(null);

  const clients = data?.clients ?? [];
  const active = clients.filter((c) => c.status === "active");
  const federatedCount = active.reduce((n, c) => n + c.federatedCredentials.length, 0);

  const replace = (client: OAuthClient) => {
    if (data)
      setup.setData({ ...data, clients: data.clients.map((c) => (c.clientId === client.clientId ? client : c)) });
  };

  const onCreated = (created: OAuthClientCreated) => {
    setNotice(undefined);
    afterShown.current = createButton.current;
    if (data)
      setup.setData({
        ...data,
        clients: [created.client, ...data.clients.filter((c) => c.clientId !== created.client.clientId)],
      });
    setShown({ kind: "client", created });
  };
  const onSecretAdded = (res: OAuthSecretCreated, from: HTMLElement | null) => {
    setNotice(undefined);
    afterShown.current = from;
    replace(res.client);
    setShown({
      kind: "secret",
      client: res.client,
      clientSecret: res.clientSecret,
      secret: res.secret,
      tokenEndpoint: data?.tokenEndpoint ?? "",
      scope: data?.scope ?? "",
      tenantUrl: data?.tenantUrl ?? "",
    });
  };
  const onConfirmed = (c: Confirm, client: OAuthClient) => {
    replace(client);
    setConfirm(undefined);
    setNotice(
      c.kind === "secret"
        ? `Secret ${c.secret.id} of ${client.name} revoked. Access tokens issued from it stop working within 5 seconds.`
        : c.kind === "client"
          ? `Client ${client.name} revoked. Entra can no longer authenticate with it; its access tokens stop working within 5 seconds.`
          : `Federated credential for ${c.credential.subject} removed from ${client.name}.`,
    );
  };

  const methodTab = (value: Method, title: string, summary: string, status: string, badge?: ReactNode) => (
    <Tab
      value={value}
      id={`method-${value}`}
      className={mergeClasses(s.method, method === value && s.methodSelected)}
      aria-controls="method-panel"
    >
      <span className={s.methodText}>
        <span className={s.methodTitle}>
          <Subtitle2 as="span">{title}</Subtitle2>
          {badge}
        </span>
        <Caption1 className={s.methodSummary}>{summary}</Caption1>
        <Caption1 className={s.methodStatus}>{status}</Caption1>
      </span>
    </Tab>
  );

  return (
    <>
      <PageHeader
        title="Authentication"
        help={
          <>
            How Microsoft Entra provisioning proves who it is when it calls this service. In Entra: Enterprise
            applications → your app → Provisioning → New configuration. Pick the same authentication method there and
            paste the values shown here.
          </>
        }
      />
      {notice && (
        <MessageBar intent="success" role="status" className={s.notice}>
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      <TabList
        className={s.methods}
        aria-label="Authentication method"
        selectedValue={method}
        onTabSelect={(_, d) => setMethod(d.value as Method)}
        reserveSelectedTabSpace={false}
      >
        {methodTab(
          "client-credentials",
          "OAuth 2.0 client credentials",
          "A client ID and secret. Required for Entra gallery apps.",
          data ? (active.length ? `${plural(active.length, "active client")}` : "Not set up yet") : "",
          <Badge appearance="filled" color="brand" shape="rounded">
            Recommended
          </Badge>,
        )}
        {methodTab(
          "federation",
          "Workload identity federation",
          "No secret to rotate: Entra's workload identity signs in.",
          data ? (federatedCount ? `${plural(federatedCount, "federated credential")}` : "Not set up yet") : "",
        )}
        {methodTab(
          "secret-token",
          "Secret Token (legacy)",
          "A long-lived bearer token, for existing connections.",
          "Managed on the Tokens page",
          <Badge appearance="tint" color="informative" shape="rounded">
            Legacy
          </Badge>,
        )}
      </TabList>

      <div role="tabpanel" id="method-panel" aria-labelledby={`method-${method}`}>
        {method === "secret-token" ? (
          <SecretTokenPanel />
        ) : setup.loading && !data ? (
          <LoadingState label="Loading the OAuth setup…" />
        ) : setup.error ? (
          <ErrorState error={setup.error} what="the OAuth setup" onRetry={setup.reload} />
        ) : data && method === "client-credentials" ? (
          <>
            <Section title="Values to paste into Entra" id="oauth-values">
              <Body1>
                Authentication method: <strong>OAuth 2.0 client credentials</strong>. Paste these with the Client ID and
                Client secret of a client below, then select Test Connection.
              </Body1>
              <div className={s.values}>
                <CopyField label="Tenant URL" value={data.tenantUrl} />
                <CopyField label="Token endpoint" value={data.tokenEndpoint} />
                <CopyField label="Scope" value={data.scope} />
                <Field label="Client authentication method" hint="Entra may send the client ID and secret either way.">
                  <Text>
                    Both work: header (<code>client_secret_basic</code>) or body (<code>client_secret_post</code>).
                  </Text>
                </Field>
              </div>
            </Section>
            <CreateClientForm onCreated={onCreated} buttonRef={createButton} />
            <Section title="OAuth clients" id="oauth-clients">
              {clients.length === 0 ? (
                <EmptyState title="No OAuth client yet">
                  Create an OAuth client, then paste these values into Entra: Tenant URL, Token endpoint, Scope, and the
                  new client&apos;s Client ID and Client secret.
                </EmptyState>
              ) : (
                <div className={s.list}>
                  {clients.map((c) => (
                    <ClientCard key={c.clientId} client={c} onSecretAdded={onSecretAdded} onConfirm={setConfirm} />
                  ))}
                </div>
              )}
            </Section>
          </>
        ) : data ? (
          <FederationPanel
            setup={data}
            me={me}
            onChanged={replace}
            onConfirm={setConfirm}
            onCreateClient={() => setMethod("client-credentials")}
          />
        ) : null}
      </div>

      <SecretShownDialog
        shown={shown}
        onClose={() => {
          setShown(undefined);
          const target = afterShown.current;
          setTimeout(() => target?.focus(), 0);
        }}
      />
      <RevokeDialog confirm={confirm} onClose={() => setConfirm(undefined)} onDone={onConfirmed} />
    </>
  );
}

function SecretTokenPanel() {
  return (
    <Section title="Secret Token (legacy)" id="secret-token">
      <Body1>
        The method for existing connections: Entra sends one long-lived bearer token (Authentication method: Bearer
        authentication, field Secret Token). It keeps working, but it has to be renewed before it expires and cannot be
        used for Entra gallery apps. For a new connection, use OAuth 2.0 client credentials.
      </Body1>
      <Body1>
        Create, rotate and revoke Secret Tokens on the <RouteLink to="/integrations/tokens">Tokens</RouteLink> page.
      </Body1>
    </Section>
  );
}

function CreateClientForm({
  onCreated,
  buttonRef,
}: {
  onCreated: (c: OAuthClientCreated) => void;
  buttonRef: RefObject<HTMLButtonElement | null>;
}) {
  const s = useStyles();
  const [name, setName] = useState("");
  const [lifetime, setLifetime] = useState("60");
  const [nameError, setNameError] = useState<string>();
  const [lifetimeError, setLifetimeError] = useState<string>();
  const action = useAction();
  const nameInput = useRef<HTMLInputElement>(null);
  const lifetimeInput = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const trimmed = name.trim();
    const minutes = Number(lifetime);
    const nErr = trimmed ? undefined : "Enter a name, e.g. entra-provisioning, so you can tell clients apart.";
    const lErr =
      Number.isInteger(minutes) && minutes >= 60 && minutes <= 360
        ? undefined
        : "Enter a whole number of minutes from 60 to 360.";
    setNameError(nErr);
    setLifetimeError(lErr);
    if (nErr) nameInput.current?.focus();
    else if (lErr) lifetimeInput.current?.focus();
    if (nErr || lErr) return;
    const res = await action.run(() =>
      api.post<OAuthClientCreated>("/api/admin/oauth/clients", { name: trimmed, accessTokenLifetimeMinutes: minutes }),
    );
    if (res) {
      setName("");
      setLifetime("60");
      onCreated(res);
    }
  };

  return (
    <Section title="Create an OAuth client" id="oauth-create">
      <form className={s.form} onSubmit={submit} noValidate>
        <Field
          label="Name"
          required
          validationMessage={nameError ?? action.error?.fieldError("name")}
          hint="Shown here and in the provisioning log."
        >
          <Input
            ref={nameInput}
            value={name}
            onChange={(_, d) => setName(d.value)}
            maxLength={100}
            autoComplete="off"
          />
        </Field>
        <Field
          label="Access-token lifetime (minutes)"
          validationMessage={lifetimeError ?? action.error?.fieldError("accessTokenLifetimeMinutes")}
          hint="60 to 360. Entra gets a new access token when one expires."
        >
          <Input
            ref={lifetimeInput}
            type="number"
            min={60}
            max={360}
            step={1}
            value={lifetime}
            onChange={(_, d) => setLifetime(d.value)}
          />
        </Field>
        <div className={s.actions}>
          <Button
            type="submit"
            appearance="primary"
            icon={<AddRegular />}
            disabledFocusable={action.busy}
            ref={buttonRef}
          >
            {action.busy ? "Creating…" : "Create client"}
          </Button>
        </div>
        <div className={s.wide}>
          <ProblemBar
            error={action.error}
            title="The client was not created"
            hideFields={["name", "accessTokenLifetimeMinutes"]}
          />
        </div>
      </form>
    </Section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  const s = useStyles();
  return (
    <div className={s.fact}>
      <dt className={s.factLabel}>{label}</dt>
      <dd className={s.fact}>{children}</dd>
    </div>
  );
}

function ClientCard({
  client,
  onSecretAdded,
  onConfirm,
}: {
  client: OAuthClient;
  onSecretAdded: (res: OAuthSecretCreated, from: HTMLElement | null) => void;
  onConfirm: (c: Confirm) => void;
}) {
  const s = useStyles();
  const [years, setYears] = useState("2");
  const action = useAction();
  const restoreTarget = useRestoreFocusTarget();
  const live = client.status === "active";
  const headingId = `client-${client.clientId}`;
  const secrets = activeSecrets(client);

  const addSecret = async (e: MouseEvent<HTMLButtonElement>) => {
    const button = e.currentTarget;
    if (action.busy || !live) return;
    const res = await action.run(() =>
      api.post<OAuthSecretCreated>(`/api/admin/oauth/clients/${encodeURIComponent(client.clientId)}/secrets`, {
        lifetimeYears: Number(years),
      }),
    );
    if (res) onSecretAdded(res, button);
  };

  return (
    <section className={s.client} aria-labelledby={headingId} data-testid="oauth-client">
      <div className={s.clientHeader}>
        <Subtitle2 as="h3" id={headingId} className={s.clientName}>
          {client.name}
        </Subtitle2>
        <TokenStatusBadge status={client.status} />
        <span className={s.spacer} />
        <DangerButton
          icon={<DeleteRegular />}
          aria-label={`Revoke client ${client.name}`}
          disabledFocusable={!live}
          onClick={() => live && onConfirm({ kind: "client", client })}
          {...restoreTarget}
        >
          Revoke client
        </DangerButton>
      </div>
      {live ? (
        <CopyField label="Client ID" value={client.clientId} />
      ) : (
        <Text>
          Client ID <span className={s.mono}>{client.clientId}</span>, revoked {fmtDateTime(client.revokedAt)}.
        </Text>
      )}
      <dl className={s.facts}>
        <Fact label="Access-token lifetime">{plural(client.accessTokenLifetimeMinutes, "minute")}</Fact>
        <Fact label="Created">{fmtDateTime(client.createdAt)}</Fact>
        <Fact label="Last used">
          {client.lastUsedAt ? `${fmtDateTime(client.lastUsedAt)} (${fmtAgo(client.lastUsedAt)})` : "Never"}
        </Fact>
        <Fact label="Active secrets">{String(secrets.length)}</Fact>
      </dl>
      <div className={s.scroll}>
        <SecretTable client={client} onRevoke={(secret) => onConfirm({ kind: "secret", client, secret })} />
      </div>
      {live && (
        <>
          {secrets.length === 0 && client.federatedCredentials.length === 0 && (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                <MessageBarTitle>No active secret</MessageBarTitle>
                Entra cannot authenticate with this client. Add a secret and paste it into Entra.
              </MessageBarBody>
            </MessageBar>
          )}
          <div className={s.rowActions}>
            <Field label="New secret expires after">
              <Select value={years} onChange={(_, d) => setYears(d.value)}>
                <option value="1">1 year</option>
                <option value="2">2 years</option>
                <option value="3">3 years</option>
              </Select>
            </Field>
            <Button
              icon={<KeyRegular />}
              onClick={addSecret}
              disabledFocusable={action.busy}
              aria-label={`Add secret to ${client.name}`}
            >
              {action.busy ? "Adding…" : "Add secret"}
            </Button>
          </div>
          <Caption1 className={s.muted}>
            Rotate without downtime: add a secret, paste it into Entra and select Test Connection, then revoke the old
            one. Two active secrets at once is normal while you rotate.
          </Caption1>
          <ProblemBar error={action.error} title="The secret was not added" />
        </>
      )}
    </section>
  );
}

function ExpiryCell({ secret }: { secret: OAuthSecret }) {
  const s = useStyles();
  const days = secret.expiresInDays;
  return (
    <div className={s.stack}>
      <Text>{fmtDate(secret.expiresAt)}</Text>
      {secret.status === "active" &&
        (secret.expiresSoon || days <= 30 ? (
          <Badge appearance="tint" color={days <= 7 ? "danger" : "warning"} shape="rounded">
            {days <= 0 ? "expires today" : `expires in ${plural(days, "day")}`}
          </Badge>
        ) : (
          <Caption1 className={s.muted}>expires in {plural(days, "day")}</Caption1>
        ))}
    </div>
  );
}

function RevokeSecretButton({
  client,
  secret,
  onRevoke,
}: {
  client: OAuthClient;
  secret: OAuthSecret;
  onRevoke: (x: OAuthSecret) => void;
}) {
  const restoreTarget = useRestoreFocusTarget();
  const live = secret.status === "active" && client.status === "active";
  return (
    <DangerButton
      icon={<DeleteRegular />}
      aria-label={`Revoke secret ${secret.id}`}
      disabledFocusable={!live}
      onClick={() => live && onRevoke(secret)}
      {...restoreTarget}
    >
      Revoke
    </DangerButton>
  );
}

function SecretTable({ client, onRevoke }: { client: OAuthClient; onRevoke: (x: OAuthSecret) => void }) {
  const s = useStyles();
  if (client.secrets.length === 0) return <Text>No client secret.</Text>;
  return (
    <Table aria-label={`Secrets of ${client.name}`} size="small" className={s.secretTable}>
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Secret ID</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell>Created</TableHeaderCell>
          <TableHeaderCell>Expires</TableHeaderCell>
          <TableHeaderCell>Last used</TableHeaderCell>
          <TableHeaderCell>
            <span className="visually-hidden">Actions</span>
          </TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {client.secrets.map((x) => (
          <TableRow key={x.id} data-testid={`secret-row-${x.id}`}>
            <TableCell className={s.mono}>{x.id}</TableCell>
            <TableCell>
              <TokenStatusBadge status={x.status} />
            </TableCell>
            <TableCell>{fmtDateTime(x.createdAt)}</TableCell>
            <TableCell>
              <ExpiryCell secret={x} />
            </TableCell>
            <TableCell data-testid="secret-last-used">{x.lastUsedAt ? fmtDateTime(x.lastUsedAt) : "Never"}</TableCell>
            <TableCell>
              <RevokeSecretButton client={client} secret={x} onRevoke={onRevoke} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function FederationPanel({
  setup,
  me,
  onChanged,
  onConfirm,
  onCreateClient,
}: {
  setup: OAuthSetup;
  me: Me;
  onChanged: (c: OAuthClient) => void;
  onConfirm: (c: Confirm) => void;
  onCreateClient: () => void;
}) {
  const s = useStyles();
  const active = setup.clients.filter((c) => c.status === "active");
  return (
    <>
      <Section title="Values to paste into Entra" id="federation-values">
        <Body1>
          Authentication method: <strong>Workload identity federation</strong>. Entra&apos;s provisioning job signs in
          as a workload identity (a managed identity or an app registration) and exchanges that token here for an access
          token: there is no secret to copy, store or rotate.
        </Body1>
        <div className={s.values}>
          <CopyField label="Tenant URL" value={setup.tenantUrl} hint="Entra calls it SCIM URL." />
          <CopyField label="Token endpoint" value={setup.tokenEndpoint} />
        </div>
        <Text>
          Client identifier: the Client ID of the OAuth client below whose federated credential names the workload
          identity.
        </Text>
      </Section>
      <Section title="Federated credentials" id="federated-credentials">
        {active.length === 0 ? (
          <EmptyState
            title="Create an OAuth client first"
            action={
              <Button appearance="primary" onClick={onCreateClient}>
                Go to OAuth 2.0 client credentials
              </Button>
            }
          >
            A federated credential belongs to an OAuth client: its Client ID is the Client identifier you paste into
            Entra.
          </EmptyState>
        ) : (
          <div className={s.list}>
            {active.map((c) => (
              <FederatedCard key={c.clientId} client={c} me={me} onChanged={onChanged} onConfirm={onConfirm} />
            ))}
          </div>
        )}
      </Section>
    </>
  );
}

const isEntraIssuer = (issuer: string) => /^https:\/\/(login\.microsoftonline\.com|sts\.windows\.net)\//i.test(issuer);

function FederatedCard({
  client,
  me,
  onChanged,
  onConfirm,
}: {
  client: OAuthClient;
  me: Me;
  onChanged: (c: OAuthClient) => void;
  onConfirm: (c: Confirm) => void;
}) {
  const s = useStyles();
  const tid = me.tenant.entraTenantId;
  const defaultIssuer = tid ? `https://login.microsoftonline.com/${tid}/v2.0` : "";
  const defaultAudiences = `api://${client.clientId}\n${client.clientId}`;
  const [issuer, setIssuer] = useState(defaultIssuer);
  const [subject, setSubject] = useState("");
  const [audiences, setAudiences] = useState(defaultAudiences);
  const [errors, setErrors] = useState<{ issuer?: string; subject?: string; audiences?: string }>({});
  const action = useAction();
  const headingId = `federated-${client.clientId}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const iss = issuer.trim();
    const sub = subject.trim();
    const auds = audiences
      .split(/[\n,]/)
      .map((a) => a.trim())
      .filter(Boolean);
    let issuerOk = false;
    try {
      issuerOk = ["https:", "http:"].includes(new URL(iss).protocol);
    } catch {
      issuerOk = false;
    }
    const next = {
      issuer: !iss
        ? "Enter the issuer, e.g. https://login.microsoftonline.com/<directory tenant id>/v2.0."
        : !issuerOk
          ? "Enter the issuer as a URL, e.g. https://login.microsoftonline.com/<directory tenant id>/v2.0."
          : undefined,
      subject: !sub
        ? "Enter the Object ID of the workload identity."
        : isEntraIssuer(iss) && !GUID.test(sub)
          ? "Enter the Object ID as a GUID, e.g. 00000000-0000-0000-0000-000000000000."
          : undefined,
      audiences:
        auds.length === 0
          ? `Enter at least one audience, e.g. api://${client.clientId}.`
          : new Set(auds).size > 5 || auds.some((a) => a.length > 200)
            ? "Enter at most 5 audiences, each at most 200 characters."
            : undefined,
    };
    setErrors(next);
    if (next.issuer || next.subject || next.audiences) return;
    const res = await action.run(() =>
      api.post<{ client: OAuthClient }>(`/api/admin/oauth/clients/${encodeURIComponent(client.clientId)}/federated`, {
        issuer: iss,
        subject: sub,
        audiences: auds,
      }),
    );
    if (res) {
      setSubject("");
      setIssuer(defaultIssuer);
      setAudiences(defaultAudiences);
      onChanged(res.client);
    }
  };

  const creds = client.federatedCredentials;
  return (
    <section className={s.client} aria-labelledby={headingId} data-testid="federated-client">
      <div className={s.clientHeader}>
        <Subtitle2 as="h3" id={headingId} className={s.clientName}>
          {client.name}
        </Subtitle2>
        <TokenStatusBadge status={client.status} />
      </div>
      <CopyField label="Client identifier" value={client.clientId} hint="The Client ID of this OAuth client." />
      {creds.length === 0 ? (
        <Text>No federated credential yet: add the workload identity Entra&apos;s provisioning job runs as.</Text>
      ) : (
        <ul className={s.creds} aria-label={`Federated credentials of ${client.name}`}>
          {creds.map((f) => (
            <li key={f.id} className={s.cred} data-testid={`federated-${f.id}`}>
              <dl className={s.credFacts}>
                <dt className={s.factLabel}>Subject identifier</dt>
                <dd className={mergeClasses(s.fact, s.mono)}>{f.subject}</dd>
                <dt className={s.factLabel}>Issuer</dt>
                <dd className={mergeClasses(s.fact, s.mono)}>{f.issuer}</dd>
                <dt className={s.factLabel}>Audiences</dt>
                <dd className={mergeClasses(s.fact, s.mono)}>{f.audiences.join(", ")}</dd>
                <dt className={s.factLabel}>Last used</dt>
                <dd className={s.fact}>
                  {f.lastUsedAt ? fmtDateTime(f.lastUsedAt) : "Never"}{" "}
                  <span className={s.muted}>(added {fmtDateTime(f.createdAt)})</span>
                </dd>
              </dl>
              <RemoveFederatedButton
                onClick={() => onConfirm({ kind: "federated", client, credential: f })}
                subject={f.subject}
              />
            </li>
          ))}
        </ul>
      )}
      <Subtitle2 as="h4" className={s.clientName}>
        Add a federated credential
      </Subtitle2>
      <form className={s.form} onSubmit={submit} noValidate aria-label={`Add a federated credential to ${client.name}`}>
        <Field
          className={s.wide}
          label="Issuer"
          required
          validationMessage={errors.issuer ?? action.error?.fieldError("issuer")}
          hint="Microsoft Entra: https://login.microsoftonline.com/<directory tenant id>/v2.0. The v1 form https://sts.windows.net/<tenant id>/ is accepted too."
        >
          <Input value={issuer} onChange={(_, d) => setIssuer(d.value)} autoComplete="off" className={s.mono} />
        </Field>
        <Field
          className={s.wide}
          label="Subject identifier"
          required
          validationMessage={errors.subject ?? action.error?.fieldError("subject")}
          hint="The Object ID (a GUID) of the workload identity: the managed identity or service principal Entra provisioning runs as."
        >
          <Input value={subject} onChange={(_, d) => setSubject(d.value)} autoComplete="off" className={s.mono} />
        </Field>
        <Field
          className={s.wide}
          label="Audiences"
          required
          validationMessage={errors.audiences ?? action.error?.fieldError("audiences")}
          hint={`One per line. The default accepts both api://${client.clientId} and ${client.clientId}.`}
        >
          <Textarea value={audiences} onChange={(_, d) => setAudiences(d.value)} resize="vertical" className={s.mono} />
        </Field>
        <div className={s.actions}>
          <Button type="submit" icon={<AddRegular />} disabledFocusable={action.busy}>
            {action.busy ? "Adding…" : "Add federated credential"}
          </Button>
        </div>
        <div className={s.wide}>
          <ProblemBar
            error={action.error}
            title="The federated credential was not added"
            hideFields={["issuer", "subject", "audiences"]}
          />
        </div>
      </form>
    </section>
  );
}

function RemoveFederatedButton({ subject, onClick }: { subject: string; onClick: () => void }) {
  const restoreTarget = useRestoreFocusTarget();
  return (
    <DangerButton
      icon={<DeleteRegular />}
      aria-label={`Remove federated credential ${subject}`}
      onClick={onClick}
      {...restoreTarget}
    >
      Remove
    </DangerButton>
  );
}

function SecretShownDialog({ shown, onClose }: { shown?: Shown; onClose: () => void }) {
  const client = shown?.kind === "client" ? shown.created.client : shown?.client;
  const secret = shown?.kind === "client" ? shown.created.clientSecret : shown?.clientSecret;
  const expires = shown?.kind === "client" ? shown.created.secretExpiresAt : shown?.secret.expiresAt;
  return (
    <ShownOnceDialog
      open={!!shown}
      wide
      title={shown?.kind === "secret" ? "Client secret added" : "OAuth client created"}
      warning="Copy the client secret now: you won't see it again"
      why="Only its hash is stored. If you lose it, add a new secret to the client."
      onClose={onClose}
    >
      {shown && client && secret && (
        <>
          {shown.kind === "client" ? (
            <>
              <Text>
                In Entra: Provisioning → New configuration → OAuth 2.0 client credentials. Paste these values, then
                select Test Connection. Client authentication method: header or body, both work.
              </Text>
              <CopyField label="Tenant URL" value={shown.created.tenantUrl} />
              <CopyField label="Token endpoint" value={shown.created.tokenEndpoint} />
              <CopyField label="Scope" value={shown.created.scope} />
            </>
          ) : (
            <Text>
              Paste the new secret into Entra (Client secret) and select Test Connection; then revoke the old secret.
              Until then both secrets work.
            </Text>
          )}
          <CopyField label="Client ID" value={client.clientId} />
          <CopyField
            label="Client secret"
            value={secret}
            hint={`Client ${client.name}, expires ${fmtDate(expires)}.`}
          />
        </>
      )}
    </ShownOnceDialog>
  );
}

function RevokeDialog({
  confirm,
  onClose,
  onDone,
}: {
  confirm?: Confirm;
  onClose: () => void;
  onDone: (c: Confirm, client: OAuthClient) => void;
}) {
  const s = useStyles();
  const c = confirm;
  const id = c ? encodeURIComponent(c.client.clientId) : "";
  const run = () =>
    c!.kind === "secret"
      ? api.post<{ client: OAuthClient }>(
          `/api/admin/oauth/clients/${id}/secrets/${encodeURIComponent(c!.secret.id)}/revoke`,
        )
      : c!.kind === "client"
        ? api.post<{ client: OAuthClient }>(`/api/admin/oauth/clients/${id}/revoke`)
        : api.del<{ client: OAuthClient }>(
            `/api/admin/oauth/clients/${id}/federated/${encodeURIComponent(c!.credential.id)}`,
          );

  let title = "";
  let body: ReactNode = null;
  let label = "";
  let busy = "";
  let failed = "";
  if (c?.kind === "secret") {
    const others = activeSecrets(c.client).filter((x) => x.id !== c.secret.id).length;
    title = `Revoke secret ${c.secret.id}?`;
    label = "Revoke secret";
    busy = "Revoking…";
    failed = "The secret was not revoked";
    body = (
      <>
        <Text as="p">
          Entra can no longer get access tokens with this secret of {c.client.name}, and access tokens already issued
          from it stop working within 5 seconds.
        </Text>
        {others === 0 ? (
          <MessageBar intent="warning" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>This is the client&apos;s only active secret</MessageBarTitle>
              Add a secret and paste it into Entra first, or provisioning fails and Entra puts the job into quarantine.
            </MessageBarBody>
          </MessageBar>
        ) : (
          <Text as="p">Make sure Entra already uses the newer secret.</Text>
        )}
      </>
    );
  } else if (c?.kind === "client") {
    title = `Revoke client ${c.client.name}?`;
    label = "Revoke client";
    busy = "Revoking…";
    failed = "The client was not revoked";
    body = (
      <Text as="p">
        All its secrets and federated credentials stop working, and access tokens already issued to it stop working
        within 5 seconds. Entra can no longer provision with this client. This cannot be undone.
      </Text>
    );
  } else if (c?.kind === "federated") {
    title = "Remove federated credential?";
    label = "Remove";
    busy = "Removing…";
    failed = "The federated credential was not removed";
    body = (
      <Text as="p">
        The workload identity <span className={s.mono}>{c.credential.subject}</span> (issuer{" "}
        <span className={s.mono}>{c.credential.issuer}</span>) can no longer get access tokens for {c.client.name}. If
        Entra provisioning still uses it, it fails.
      </Text>
    );
  }

  return (
    <ConfirmDialog
      open={!!c}
      title={title}
      confirmLabel={label}
      busyLabel={busy}
      failedTitle={failed}
      run={run}
      onClose={onClose}
      onDone={(res) => onDone(c!, res.client)}
    >
      {body}
    </ConfirmDialog>
  );
}
