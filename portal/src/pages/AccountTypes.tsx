import { useState } from "react";
import {
  MessageBar,
  MessageBarBody,
  Switch,
  Text,
  makeStyles,
  tokens,
  useRestoreFocusTarget,
} from "@fluentui/react-components";
import { api, type LoginType, type LoginTypes } from "../api";
import { useAction, useGet } from "../hooks";
import {
  ConfirmDialog,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  ProblemBar,
  Section,
} from "../components/common";

/** Active users per type: those who have it, and those of them without another (GET /api/admin/login-types). */
type TypeUsers = LoginTypes["users"];

const labels: Record<string, { label: string; help: string; has: string }> = {
  password: { label: "Password", help: "Users sign in with a password set in the product.", has: "a password" },
  entra: {
    label: "Entra ID",
    help: "Users sign in with their Microsoft work account; the user's Object ID (provisioned as externalId) links the account.",
    has: "an Object ID",
  },
};

const useStyles = makeStyles({
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  row: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS },
  help: { color: tokens.colorNeutralForeground2, paddingLeft: "48px" },
});

const usersText = (n: number) => `${n} ${n === 1 ? "user" : "users"}`;

/** What switching `type` off does, in words, from the counts. */
function offConsequence(type: LoginType, users: TypeUsers | undefined): string {
  const info = labels[type]!;
  const counts = users?.[type];
  if (!counts || counts.users === 0) return `No active user has ${info.has}, so no one's sign-in changes.`;
  const locked =
    counts.onlyThisType === 0
      ? "All of them can still sign in another way."
      : `${counts.onlyThisType === counts.users ? "None of them has" : `${usersText(counts.onlyThisType)} of them ${counts.onlyThisType === 1 ? "has" : "have"}`} another way to sign in, so ${counts.onlyThisType === 1 ? "that user cannot" : "they cannot"} sign in until the type is switched on again.`;
  // The portal signs in with Entra only: its sessions end at their next request.
  const portal = type === "entra" ? " Everyone's portal session ends at its next request, yours included." : "";
  return `${usersText(counts.users)} ${counts.users === 1 ? "signs" : "sign"} in with ${info.label} and can no longer use it. ${locked}${portal}`;
}

/** Integrations → Account types: which sign-in methods the tenant enables. At least one stays on; switching one off asks first. */
export default function AccountTypesPage() {
  const s = useStyles();
  const state = useGet<LoginTypes>("/api/admin/login-types");
  const action = useAction();
  const [confirming, setConfirming] = useState<LoginType>();
  const [saved, setSaved] = useState<string>();
  const restoreTarget = useRestoreFocusTarget();

  const put = (type: LoginType, on: boolean, current: LoginType[]) =>
    api.put<{ loginTypes: LoginType[] }>("/api/admin/login-types", {
      loginTypes: on ? [...new Set([...current, type])] : current.filter((t) => t !== type),
    });
  const announce = (type: LoginType, on: boolean, res: { loginTypes: LoginType[] }) => {
    if (state.data) state.setData({ ...state.data, loginTypes: res.loginTypes });
    setSaved(`Saved: ${labels[type]?.label ?? type} is switched ${on ? "on" : "off"}.`);
  };

  const toggle = async (type: LoginType, on: boolean) => {
    if (!state.data) return;
    setSaved(undefined);
    action.setError(undefined);
    if (!on) return setConfirming(type);
    const res = await action.run(() => put(type, true, state.data!.loginTypes));
    if (res) announce(type, true, res);
  };

  return (
    <>
      <PageHeader
        title="Account types"
        help="Choose how users of this tenant sign in. A user signs in with the types it has (a password, an Object ID) that are switched on here. At least one type must stay on."
      />
      <Section title="Sign-in methods">
        {state.loading && !state.data ? (
          <LoadingState label="Loading account types…" />
        ) : state.error ? (
          <ErrorState error={state.error} what="the account types" onRetry={state.reload} />
        ) : state.data && state.data.available.length === 0 ? (
          <EmptyState title="No sign-in method is available">
            The service offers no account type for this tenant. Contact support: the deployment&apos;s configuration is
            missing its sign-in settings.
          </EmptyState>
        ) : state.data ? (
          <div className={s.list}>
            {state.data.available.map((type) => {
              const on = state.data!.loginTypes.includes(type);
              const last = on && state.data!.loginTypes.length === 1;
              const info = labels[type] ?? { label: type, help: "", has: type };
              const count = state.data!.users?.[type]?.users;
              return (
                <div key={type} className={s.row}>
                  <Switch
                    label={info.label}
                    checked={on}
                    disabled={action.busy || last}
                    onChange={(_, d) => void toggle(type, d.checked)}
                    aria-describedby={`help-${type}`}
                    {...restoreTarget}
                  />
                  <Text id={`help-${type}`} className={s.help} size={200}>
                    {info.help}
                    {count !== undefined && ` ${usersText(count)} ${count === 1 ? "has" : "have"} ${info.has}.`}
                    {last && " This is the only type switched on, so it cannot be turned off: switch on another first."}
                  </Text>
                </div>
              );
            })}
            {saved && (
              <MessageBar intent="success" role="status">
                <MessageBarBody>{saved}</MessageBarBody>
              </MessageBar>
            )}
            <ProblemBar error={action.error} title="The change was not saved" />
          </div>
        ) : null}
      </Section>
      <ConfirmDialog
        open={!!confirming}
        title={`Switch ${confirming ? labels[confirming]?.label : ""} off?`}
        confirmLabel="Switch off"
        busyLabel="Switching off…"
        failedTitle="The change was not saved"
        run={() => put(confirming!, false, state.data!.loginTypes)}
        onClose={() => setConfirming(undefined)}
        onDone={(res) => {
          announce(confirming!, false, res);
          setConfirming(undefined);
        }}
      >
        <Text as="p">{confirming && offConsequence(confirming, state.data?.users)}</Text>
      </ConfirmDialog>
    </>
  );
}
