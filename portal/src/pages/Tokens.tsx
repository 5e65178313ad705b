import { useRef, useState, type FormEvent, type RefObject } from "react";
import {
  Badge,
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
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
import { AddRegular, DeleteRegular } from "@fluentui/react-icons";
import { api, type Me, type Token, type TokenCreated as Created, type TokenList } from "../api";
import { useAction, useGet } from "../hooks";
import { fmtDate, fmtDateTime, isoDate, oneYearFromToday } from "../format";
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
  Section,
  TableScroll,
  TokenStatusBadge,
} from "../components/common";

const useStyles = makeStyles({
  form: {
    display: "grid",
    gridTemplateColumns: "minmax(200px, 1fr) 200px",
    gap: tokens.spacingHorizontalL,
    alignItems: "start",
    maxWidth: "760px",
    // Phones: one field under the other.
    "@media (max-width: 640px)": { gridTemplateColumns: "minmax(0, 1fr)" },
  },
  wide: { gridColumn: "1 / -1" },
  actions: { gridColumn: "1 / -1", display: "flex", gap: tokens.spacingHorizontalS },
  expiry: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS, alignItems: "flex-start" },
  mono: { fontFamily: tokens.fontFamilyMonospace },
});

/** Integrations → Tokens: create (secret shown once), list, revoke. */
export default function TokensPage({ me }: { me: Me }) {
  const list = useGet<TokenList>("/api/admin/tokens");
  const tenantUrl = list.data?.tenantUrl ?? me.tenantUrl ?? "";
  const [created, setCreated] = useState<Created>();
  const [revoking, setRevoking] = useState<Token>();
  const [notice, setNotice] = useState<string>();
  const createButton = useRef<HTMLButtonElement>(null);

  const onCreated = (c: Created) => {
    setCreated(c);
    setNotice(undefined);
    if (list.data) list.setData({ ...list.data, tokens: [c.token, ...list.data.tokens] });
  };
  const onRevoked = (t: Token) => {
    if (list.data) list.setData({ ...list.data, tokens: list.data.tokens.map((x) => (x.id === t.id ? t : x)) });
    setNotice(`Token ${t.name} revoked. Entra can no longer provision with it (within 5 seconds).`);
  };

  return (
    <>
      <PageHeader
        title="Tokens"
        help={
          <>
            Entra ID provisioning signs its requests with a Secret Token. Several tokens can be active at once, so
            rotate without downtime: create a new token, paste it into Entra and run Test Connection, then revoke the
            old one. An expired token puts the Entra provisioning job into quarantine, so renew tokens before they
            expire.
          </>
        }
      />
      {notice && (
        <MessageBar intent="success" role="status">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      <CreateTokenForm tenantUrl={tenantUrl} onCreated={onCreated} buttonRef={createButton} />
      <Section title="Tokens of this tenant" id="token-list-heading">
        {list.loading && !list.data ? (
          <LoadingState label="Loading tokens…" />
        ) : list.error ? (
          <ErrorState error={list.error} what="the tokens" onRetry={list.reload} />
        ) : list.data && list.data.tokens.length === 0 ? (
          <EmptyState title="No token yet">
            Create one and paste it with the Tenant URL into Entra (Enterprise applications → your app → Provisioning).
          </EmptyState>
        ) : (
          <TokenTable tokens={list.data?.tokens ?? []} onRevoke={setRevoking} />
        )}
      </Section>
      <TokenCreatedDialog
        created={created}
        onClose={() => {
          setCreated(undefined);
          // Back to where the flow started (the form may have been submitted from the Name box).
          setTimeout(() => createButton.current?.focus(), 0);
        }}
      />
      <RevokeDialog
        token={revoking}
        onClose={() => setRevoking(undefined)}
        onRevoked={(t) => {
          setRevoking(undefined);
          onRevoked(t);
        }}
      />
    </>
  );
}

function CreateTokenForm({
  tenantUrl,
  onCreated,
  buttonRef,
}: {
  tenantUrl: string;
  onCreated: (c: Created) => void;
  buttonRef: RefObject<HTMLButtonElement | null>;
}) {
  const s = useStyles();
  const [name, setName] = useState("");
  const [expires, setExpires] = useState(oneYearFromToday());
  const [nameError, setNameError] = useState<string>();
  const [expiresError, setExpiresError] = useState<string>();
  const action = useAction();
  const nameInput = useRef<HTMLInputElement>(null);
  const expiresInput = useRef<HTMLInputElement>(null);
  const tomorrow = isoDate(new Date(Date.now() + 86_400_000));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    const trimmed = name.trim();
    const nErr = trimmed ? undefined : "Enter a name, e.g. entra-2026, so you can tell tokens apart when you rotate.";
    const eErr = !expires ? "Pick an expiry date." : expires < tomorrow ? "Pick a date after today." : undefined;
    setNameError(nErr);
    setExpiresError(eErr);
    if (nErr) nameInput.current?.focus();
    else if (eErr) expiresInput.current?.focus();
    if (nErr || eErr) return;
    const res = await action.run(() =>
      api.post<Created>("/api/admin/tokens", { name: trimmed, expiresAt: `${expires}T00:00:00Z` }),
    );
    if (res) {
      setName("");
      setExpires(oneYearFromToday());
      onCreated(res);
    }
  };

  const serverName = action.error?.fieldError("name");
  const serverExpires = action.error?.fieldError("expiresAt");
  return (
    <Section title="Create a token">
      <form className={s.form} onSubmit={submit} noValidate>
        <Field
          label="Name"
          required
          validationMessage={nameError ?? serverName}
          hint="Shown in the token list and the provisioning log."
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
          label="Expires on"
          required
          validationMessage={expiresError ?? serverExpires}
          hint="Defaults to one year from today."
        >
          <Input
            ref={expiresInput}
            type="date"
            value={expires}
            min={tomorrow}
            onChange={(_, d) => setExpires(d.value)}
          />
        </Field>
        <Field
          className={s.wide}
          label="Audience (Tenant URL)"
          hint="The token is accepted only at this Tenant URL. Paste the same URL into Entra."
        >
          <Input value={tenantUrl} readOnly className={s.mono} />
        </Field>
        <div className={s.actions}>
          <Button
            type="submit"
            appearance="primary"
            icon={<AddRegular />}
            disabledFocusable={action.busy}
            ref={buttonRef}
          >
            {action.busy ? "Creating…" : "Create token"}
          </Button>
        </div>
        <div className={s.wide}>
          <ProblemBar error={action.error} title="The token was not created" hideFields={["name", "expiresAt"]} />
        </div>
      </form>
    </Section>
  );
}

function ExpiryCell({ token }: { token: Token }) {
  const s = useStyles();
  const days = token.expiresInDays;
  const soon = token.status === "active" && days !== null && days <= 30;
  return (
    <div className={s.expiry}>
      <Text>{fmtDate(token.expiresAt)}</Text>
      {soon && (
        <Badge appearance="tint" color={days <= 7 ? "danger" : "warning"} shape="rounded">
          {days <= 0 ? "expires today" : `expires in ${days} day${days === 1 ? "" : "s"}`}
        </Badge>
      )}
    </div>
  );
}

function RevokeButton({ token, onRevoke }: { token: Token; onRevoke: (t: Token) => void }) {
  const restoreTarget = useRestoreFocusTarget();
  const active = token.status === "active";
  return (
    <DangerButton
      icon={<DeleteRegular />}
      aria-label={`Revoke ${token.name}`}
      disabledFocusable={!active}
      onClick={() => active && onRevoke(token)}
      {...restoreTarget}
    >
      Revoke
    </DangerButton>
  );
}

function TokenTable({ tokens: list, onRevoke }: { tokens: Token[]; onRevoke: (t: Token) => void }) {
  return (
    <TableScroll label="Tokens table">
      <Table aria-label="Tokens" size="medium">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Name</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Created</TableHeaderCell>
            <TableHeaderCell>Last used</TableHeaderCell>
            <TableHeaderCell>Expires</TableHeaderCell>
            <TableHeaderCell>
              <span className="visually-hidden">Actions</span>
            </TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {list.map((t) => (
            <TableRow key={t.id} data-testid={`token-row-${t.id}`}>
              <TableCell>
                <Text weight="semibold">{t.name}</Text>
              </TableCell>
              <TableCell>
                <TokenStatusBadge status={t.status} />
              </TableCell>
              <TableCell>{fmtDateTime(t.createdAt)}</TableCell>
              <TableCell>{t.lastUsedAt ? fmtDateTime(t.lastUsedAt) : "Never"}</TableCell>
              <TableCell>
                <ExpiryCell token={t} />
              </TableCell>
              <TableCell>
                <RevokeButton token={t} onRevoke={onRevoke} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
}

function TokenCreatedDialog({ created, onClose }: { created?: Created; onClose: () => void }) {
  return (
    <ShownOnceDialog
      open={!!created}
      title="Token created"
      warning="Copy the secret now"
      why="It will not be shown again: only its hash is stored. If you lose it, create a new token."
      onClose={onClose}
    >
      {created && (
        <>
          <Text>
            In Entra: Enterprise applications → your app → Provisioning → Admin Credentials. Paste both values, then
            select Test Connection.
          </Text>
          <CopyField label="Tenant URL" value={created.tenantUrl} />
          <CopyField
            label="Secret token"
            value={created.secret}
            hint={`Token ${created.token.name}, expires ${fmtDate(created.token.expiresAt)}.`}
          />
        </>
      )}
    </ShownOnceDialog>
  );
}

function RevokeDialog({
  token,
  onClose,
  onRevoked,
}: {
  token?: Token;
  onClose: () => void;
  onRevoked: (t: Token) => void;
}) {
  return (
    <ConfirmDialog
      open={!!token}
      title={`Revoke token ${token?.name ?? ""}?`}
      confirmLabel="Revoke token"
      busyLabel="Revoking…"
      failedTitle="The token was not revoked"
      run={() => api.post<{ token: Token }>(`/api/admin/tokens/${encodeURIComponent(token!.id)}/revoke`)}
      onClose={onClose}
      onDone={(res) => onRevoked(res.token)}
    >
      <Text as="p">
        Entra requests signed with this token are refused within 5 seconds. If the Entra provisioning job still uses it,
        paste another active token into Entra first, or the job goes into quarantine.
      </Text>
    </ConfirmDialog>
  );
}
