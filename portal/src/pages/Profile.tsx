import { Badge, Text, makeStyles, tokens } from "@fluentui/react-components";
import type { Me } from "../api";
import { loginTypes } from "../format";
import { PageHeader, Section, UserStatusBadge } from "../components/common";
import { RoleWhy } from "../components/RoleWhy";

const useStyles = makeStyles({
  dl: {
    display: "grid",
    gridTemplateColumns: "max-content 1fr",
    columnGap: tokens.spacingHorizontalXL,
    rowGap: tokens.spacingVerticalS,
    margin: 0,
    "& dt": { fontWeight: tokens.fontWeightSemibold },
    "& dd": { margin: 0, display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap", alignItems: "center" },
  },
  mono: { fontFamily: tokens.fontFamilyMonospace },
});

/** My profile: the signed-in user, its role and why, its teams. */
export default function ProfilePage({ me }: { me: Me }) {
  const s = useStyles();
  const u = me.user;
  return (
    <>
      <PageHeader
        title="My profile"
        help={
          me.isAdmin
            ? undefined
            : `Your account at ${me.tenant.name}. Your organization's Entra admins manage it; ask them to change your role or teams.`
        }
      />
      <Section title="Account">
        <dl className={s.dl}>
          <dt>Name</dt>
          <dd>{u.displayName || "—"}</dd>
          <dt>User name</dt>
          <dd>{u.userName}</dd>
          <dt>Status</dt>
          <dd>
            <UserStatusBadge status={u.status} />
          </dd>
          <dt>Login types</dt>
          <dd>{loginTypes(u.loginTypes)}</dd>
          {u.objectId && (
            <>
              <dt>Object ID</dt>
              <dd className={s.mono}>{u.objectId}</dd>
            </>
          )}
        </dl>
      </Section>
      <Section title="Role">
        <div>
          <Badge appearance="outline" shape="rounded" size="large">
            {u.role}
          </Badge>
        </div>
        <RoleWhy source={u.roleSource} />
      </Section>
      <Section title="Teams">
        {u.teams.length === 0 ? (
          <Text>
            You are not in any team. Teams follow your Entra group memberships; ask an admin if one is missing.
          </Text>
        ) : (
          <ul aria-label="My teams">
            {u.teams.map((t) => (
              <li key={t.id}>{t.name}</li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}
