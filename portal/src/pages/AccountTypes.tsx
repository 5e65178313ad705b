import { Switch, Text, makeStyles, tokens } from "@fluentui/react-components";
import { api, type LoginType } from "../api";
import { useAction, useGet } from "../hooks";
import { EmptyState, ErrorState, LoadingState, PageHeader, ProblemBar, Section } from "../components/common";

interface LoginTypes {
  loginTypes: LoginType[];
  available: LoginType[];
}

const labels: Record<string, { label: string; help: string }> = {
  password: { label: "Password", help: "Users sign in with a password set in the product." },
  entra: {
    label: "Entra ID",
    help: "Users sign in with their Microsoft work account; the user's Object ID (provisioned as externalId) links the account.",
  },
};

const useStyles = makeStyles({
  list: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalL },
  row: { display: "flex", flexDirection: "column", gap: tokens.spacingVerticalXXS },
  help: { color: tokens.colorNeutralForeground2, paddingLeft: "48px" },
});

/** Integrations → Account types: which sign-in methods the tenant enables. At least one stays on. */
export default function AccountTypesPage() {
  const s = useStyles();
  const state = useGet<LoginTypes>("/api/admin/login-types");
  const action = useAction();

  const toggle = async (type: LoginType, on: boolean) => {
    if (!state.data) return;
    const next = on ? [...new Set([...state.data.loginTypes, type])] : state.data.loginTypes.filter((t) => t !== type);
    const res = await action.run(() => api.put<{ loginTypes: LoginType[] }>("/api/admin/login-types", { loginTypes: next }));
    if (res) state.setData({ ...state.data, loginTypes: res.loginTypes });
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
            The service offers no account type for this tenant. Contact support: the deployment's configuration is missing its sign-in settings.
          </EmptyState>
        ) : state.data ? (
          <div className={s.list}>
            {state.data.available.map((type) => {
              const on = state.data!.loginTypes.includes(type);
              const last = on && state.data!.loginTypes.length === 1;
              const info = labels[type] ?? { label: type, help: "" };
              return (
                <div key={type} className={s.row}>
                  <Switch
                    label={info.label}
                    checked={on}
                    disabled={action.busy || last}
                    onChange={(_, d) => toggle(type, d.checked)}
                    aria-describedby={`help-${type}`}
                  />
                  <Text id={`help-${type}`} className={s.help} size={200}>
                    {info.help}
                    {last && " This is the only type switched on, so it cannot be turned off: switch on another first."}
                  </Text>
                </div>
              );
            })}
            <ProblemBar error={action.error} title="The change was not saved" />
          </div>
        ) : null}
      </Section>
    </>
  );
}
