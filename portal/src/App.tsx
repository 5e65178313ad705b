import { lazy, Suspense, useEffect, useRef, useState, type ReactNode } from "react";
import {
  Body1,
  Button,
  Link,
  Subtitle1,
  Text,
  Title1,
  makeStyles,
  mergeClasses,
  tokens,
} from "@fluentui/react-components";
import {
  KeyRegular,
  PeopleRegular,
  PeopleTeamRegular,
  PersonRegular,
  PersonStarRegular,
  DocumentBulletListRegular,
  HeartPulseRegular,
  ShieldKeyholeRegular,
  ToggleLeftRegular,
  SignOutRegular,
  NavigationRegular,
  FlashRegular,
  ShieldCheckmarkRegular,
} from "@fluentui/react-icons";
import { api, ApiError, onSessionRefused, onUnauthorized, setCsrfToken, type Me } from "./api";
import { href, linkClick, match, navigate, useRoute } from "./router";
import { ErrorState, LoadingState } from "./components/common";

const AuthenticationPage = lazy(() => import("./pages/Authentication"));
const TokensPage = lazy(() => import("./pages/Tokens"));
const AccountTypesPage = lazy(() => import("./pages/AccountTypes"));
const UsersPage = lazy(() => import("./pages/Users"));
const UserPage = lazy(() => import("./pages/User"));
const TeamsPage = lazy(() => import("./pages/Teams"));
const AdminsPage = lazy(() => import("./pages/Admins"));
const LogPage = lazy(() => import("./pages/Log"));
const HealthPage = lazy(() => import("./pages/Health"));
const EventsPage = lazy(() => import("./pages/Events"));
const SafetyNetPage = lazy(() => import("./pages/SafetyNet"));
const ProfilePage = lazy(() => import("./pages/Profile"));

const useStyles = makeStyles({
  root: {
    display: "grid",
    gridTemplateRows: "auto 1fr",
    minHeight: "100vh",
    backgroundColor: tokens.colorNeutralBackground3,
  },
  header: {
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalL,
    minHeight: "48px",
    padding: `0 ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
    // Phones: the header wraps instead of pushing the page wider than the screen.
    "@media (max-width: 640px)": {
      flexWrap: "wrap",
      rowGap: tokens.spacingVerticalXS,
      padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    },
  },
  product: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, whiteSpace: "nowrap" },
  tenant: { color: tokens.colorNeutralForegroundOnBrand, minWidth: 0, overflowWrap: "anywhere" },
  spacer: { flexGrow: 1 },
  user: {
    color: tokens.colorNeutralForegroundOnBrand,
    textAlign: "right",
    lineHeight: tokens.lineHeightBase200,
    minWidth: 0,
    maxWidth: "40ch",
    overflowWrap: "anywhere",
    "@media (max-width: 640px)": { textAlign: "left", maxWidth: "none" },
  },
  // The menu button: phones only, where the navigation is folded away.
  menu: {
    display: "none",
    color: tokens.colorNeutralForegroundOnBrand,
    "@media (max-width: 640px)": { display: "inline-flex" },
  },
  signOut: { color: tokens.colorNeutralForegroundOnBrand },
  body: {
    display: "grid",
    gridTemplateColumns: "240px minmax(0, 1fr)",
    minHeight: 0,
    // Phones: the navigation goes above the page.
    "@media (max-width: 640px)": { gridTemplateColumns: "minmax(0, 1fr)", gridTemplateRows: "auto 1fr" },
  },
  nav: {
    backgroundColor: tokens.colorNeutralBackground1,
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
    padding: `${tokens.spacingVerticalM} 0`,
    "@media (max-width: 640px)": {
      borderRight: "none",
      borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
      padding: `${tokens.spacingVerticalXS} 0`,
    },
  },
  navClosed: { "@media (max-width: 640px)": { display: "none" } },
  navList: { listStyle: "none", margin: 0, padding: 0 },
  navGroup: {
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL} ${tokens.spacingVerticalXS}`,
    color: tokens.colorNeutralForeground3,
    fontSize: tokens.fontSizeBase200,
    fontWeight: tokens.fontWeightSemibold,
    textTransform: "uppercase",
  },
  navLink: {
    display: "flex",
    alignItems: "center",
    gap: tokens.spacingHorizontalS,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalL}`,
    color: tokens.colorNeutralForeground1,
    textDecorationLine: "none",
    borderLeft: "3px solid transparent",
    ":hover": { backgroundColor: tokens.colorNeutralBackground1Hover, textDecorationLine: "none" },
    ":focus-visible": { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: "-2px" },
  },
  navIndent: { paddingLeft: tokens.spacingHorizontalXXL },
  navActive: {
    borderLeft: `3px solid ${tokens.colorBrandStroke1}`,
    backgroundColor: tokens.colorNeutralBackground1Selected,
    fontWeight: tokens.fontWeightSemibold,
  },
  main: {
    padding: `${tokens.spacingVerticalXL} ${tokens.spacingHorizontalXXL}`,
    minWidth: 0,
    outline: "none",
    "@media (max-width: 640px)": { padding: `${tokens.spacingVerticalL} ${tokens.spacingHorizontalM}` },
  },
  skip: {
    position: "absolute",
    left: "-9999px",
    ":focus": {
      left: tokens.spacingHorizontalS,
      top: tokens.spacingVerticalS,
      zIndex: 10,
      backgroundColor: tokens.colorNeutralBackground1,
      padding: tokens.spacingHorizontalS,
    },
  },
  signIn: {
    maxWidth: "480px",
    margin: "15vh auto",
    display: "flex",
    flexDirection: "column",
    gap: tokens.spacingVerticalL,
    padding: tokens.spacingVerticalXXL,
    backgroundColor: tokens.colorNeutralBackground1,
    borderRadius: tokens.borderRadiusLarge,
    boxShadow: tokens.shadow16,
  },
});

type Session =
  | { state: "loading" }
  | { state: "signed-out" }
  | { state: "refused"; detail: string }
  | { state: "error"; error: ApiError }
  | { state: "signed-in"; me: Me };

const meRequests = new Map<number, Promise<Me>>();
/**
 * GET /api/me once per attempt: a second mount of the same attempt (React's StrictMode in
 * development) reuses the answer, whose 403 (the server ended the session, and says why) would
 * otherwise be followed by a bare 401.
 */
function loadMe(attempt: number): Promise<Me> {
  let request = meRequests.get(attempt);
  if (!request) meRequests.set(attempt, (request = api.get<Me>("/api/me")));
  return request;
}

export function App() {
  const [session, setSession] = useState<Session>({ state: "loading" });
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    let live = true;
    loadMe(nonce)
      .then((me) => {
        if (!live) return;
        setCsrfToken(me.csrfToken);
        setSession({ state: "signed-in", me });
      })
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 401) setSession({ state: "signed-out" });
        // The one 403 of /api/me: the account may no longer use the portal, and the server ended the session.
        else if (e instanceof ApiError && e.status === 403) setSession({ state: "refused", detail: e.detail });
        else setSession({ state: "error", error: e instanceof ApiError ? e : new ApiError(0, "Error", String(e)) });
      });
    return () => {
      live = false;
    };
  }, [nonce]);

  useEffect(() => onUnauthorized(() => setSession({ state: "signed-out" })), []);
  useEffect(() => onSessionRefused((detail) => setSession({ state: "refused", detail })), []);

  if (session.state === "loading") return <LoadingState label="Signing you in…" />;
  if (session.state === "signed-out") return <SignInPage />;
  if (session.state === "refused") return <SessionEndedPage detail={session.detail} />;
  if (session.state === "error")
    return (
      <div style={{ padding: 24 }}>
        <ErrorState error={session.error} what="your session" onRetry={() => setNonce((n) => n + 1)} />
      </div>
    );
  return <Shell me={session.me} />;
}

function SignInPage() {
  const s = useStyles();
  const returnTo = window.location.pathname.startsWith("/portal")
    ? window.location.pathname + window.location.search
    : "/portal/";
  const login = `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
  return (
    <main className={s.signIn}>
      <Title1 as="h1">Sign in</Title1>
      <Body1>
        Sign in with the Microsoft work account your organization uses. Admins manage provisioning, tokens and roles
        here; everyone else sees their own profile.
      </Body1>
      <div>
        <Button as="a" appearance="primary" size="large" href={login}>
          Sign in with Microsoft
        </Button>
      </div>
    </main>
  );
}

/** The session ended because the account may no longer use the portal: the server's reason, and a way to sign in again. */
function SessionEndedPage({ detail }: { detail: string }) {
  const s = useStyles();
  return (
    <main className={s.signIn}>
      <Title1 as="h1">Your session was ended</Title1>
      <Body1 as="p">{detail}</Body1>
      <div>
        <Button as="a" appearance="primary" href="/auth/login">
          Sign in again
        </Button>
      </div>
    </main>
  );
}

interface NavEntry {
  route: string;
  label: string;
  icon: ReactNode;
}
interface NavGroup {
  group: string;
  items: NavEntry[];
}

const adminNav: (NavEntry | NavGroup)[] = [
  {
    group: "Integrations",
    items: [
      { route: "/authentication", label: "Authentication", icon: <ShieldKeyholeRegular /> },
      { route: "/integrations/tokens", label: "Tokens", icon: <KeyRegular /> },
      { route: "/integrations/account-types", label: "Account types", icon: <ToggleLeftRegular /> },
      { route: "/events", label: "Events", icon: <FlashRegular /> },
    ],
  },
  { route: "/users", label: "Users", icon: <PersonRegular /> },
  { route: "/teams", label: "Teams and roles", icon: <PeopleTeamRegular /> },
  { route: "/admins", label: "Admins", icon: <PersonStarRegular /> },
  { route: "/log", label: "Provisioning log", icon: <DocumentBulletListRegular /> },
  { route: "/health", label: "Connection health", icon: <HeartPulseRegular /> },
  { route: "/safety-net", label: "Safety net", icon: <ShieldCheckmarkRegular /> },
  { route: "/me", label: "My profile", icon: <PeopleRegular /> },
];
const memberNav: (NavEntry | NavGroup)[] = [{ route: "/me", label: "My profile", icon: <PeopleRegular /> }];

const flat = (nav: (NavEntry | NavGroup)[]): NavEntry[] => nav.flatMap((n) => ("group" in n ? n.items : [n]));

function Shell({ me }: { me: Me }) {
  const s = useStyles();
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  const [signOutError, setSignOutError] = useState<string>();
  const [menuOpen, setMenuOpen] = useState(false);

  // On a phone the menu folds away again once a page is picked.
  useEffect(() => setMenuOpen(false), [route]);

  useEffect(() => {
    if (route === "/") navigate(me.isAdmin ? "/integrations/tokens" : "/me", { replace: true });
  }, [route, me.isAdmin]);

  // Move focus to the page on client-side navigation, as a full page load would.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [route]);

  useEffect(() => {
    const title = flat(me.isAdmin ? adminNav : memberNav).find((n) => route.startsWith(n.route))?.label;
    document.title = `${title ? `${title} – ` : ""}${me.tenant.name} admin portal`;
  }, [route, me]);

  const signOut = async () => {
    try {
      await api.post("/auth/logout");
      window.location.assign("/auth/login");
    } catch (e) {
      setSignOutError(e instanceof ApiError ? e.detail : String(e));
    }
  };

  const nav = me.isAdmin ? adminNav : memberNav;
  return (
    <div className={s.root}>
      <a className={s.skip} href="#main">
        Skip to main content
      </a>
      <header className={s.header} role="banner">
        <Button
          appearance="transparent"
          className={s.menu}
          icon={<NavigationRegular />}
          aria-label="Menu"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        />
        <Text className={s.product}>Admin portal</Text>
        <Text className={s.tenant} data-testid="tenant-name" aria-label={`Tenant ${me.tenant.name}`}>
          {me.tenant.name}
        </Text>
        <span className={s.spacer} />
        <div className={s.user} data-testid="signed-in-user">
          <Text weight="semibold" block>
            {me.user.displayName || me.user.userName}
          </Text>
          {me.user.displayName && (
            <Text size={200} block>
              {me.user.userName}
            </Text>
          )}
        </div>
        <Button appearance="transparent" className={s.signOut} icon={<SignOutRegular />} onClick={signOut}>
          Sign out
        </Button>
      </header>
      <div className={s.body}>
        <nav id="main-nav" className={mergeClasses(s.nav, !menuOpen && s.navClosed)} aria-label="Main">
          <ul className={s.navList}>
            {nav.map((n) =>
              "group" in n ? (
                <li key={n.group}>
                  <div className={s.navGroup} id={`nav-${n.group}`}>
                    {n.group}
                  </div>
                  <ul className={s.navList} aria-labelledby={`nav-${n.group}`}>
                    {n.items.map((i) => (
                      <NavLink key={i.route} entry={i} route={route} indent />
                    ))}
                  </ul>
                </li>
              ) : (
                <NavLink key={n.route} entry={n} route={route} />
              ),
            )}
          </ul>
        </nav>
        <main id="main" className={s.main} ref={mainRef} tabIndex={-1}>
          {signOutError && (
            <div role="alert">
              <Subtitle1>Sign out failed</Subtitle1> <Body1>{signOutError}</Body1>
            </div>
          )}
          <Suspense fallback={<LoadingState label="Loading page…" />}>
            <Page route={route} me={me} />
          </Suspense>
        </main>
      </div>
    </div>
  );
}

function NavLink({ entry: n, route, indent }: { entry: NavEntry; route: string; indent?: boolean }) {
  const s = useStyles();
  const active = route === n.route || route.startsWith(n.route + "/");
  return (
    <li>
      <a
        href={href(n.route)}
        onClick={linkClick(n.route)}
        aria-current={active ? "page" : undefined}
        className={mergeClasses(s.navLink, indent && s.navIndent, active && s.navActive)}
      >
        {n.icon}
        {n.label}
      </a>
    </li>
  );
}

/** An admin page opened by someone who is not an Admin: says so, instead of showing something else. */
function AdminOnlyPage() {
  return (
    <div>
      <Title1 as="h1">You need the Admin role to see this page</Title1>
      <Body1 as="p">
        This page is for Admins of your organization&apos;s account. Ask an Admin to map an Entra group of yours to the
        Admin role, or go to{" "}
        <Link href={href("/me")} onClick={linkClick("/me")}>
          My profile
        </Link>
        .
      </Body1>
    </div>
  );
}

function Page({ route, me }: { route: string; me: Me }) {
  if (route === "/me" || (!me.isAdmin && route === "/")) return <ProfilePage me={me} />;
  if (!me.isAdmin) return <AdminOnlyPage />;
  if (route === "/" || route === "/integrations" || route === "/integrations/tokens") return <TokensPage me={me} />;
  if (route === "/authentication" || route === "/integrations/authentication") return <AuthenticationPage me={me} />;
  if (route === "/integrations/account-types") return <AccountTypesPage />;
  if (route === "/users") return <UsersPage />;
  const userId = match("/users/:id", route)?.id;
  if (userId !== undefined) return <UserPage id={userId} />;
  if (route === "/teams") return <TeamsPage />;
  if (route === "/admins") return <AdminsPage />;
  if (route === "/log") return <LogPage />;
  if (route === "/health") return <HealthPage />;
  if (route === "/events") return <EventsPage />;
  if (route === "/safety-net") return <SafetyNetPage />;
  return (
    <div>
      <Title1 as="h1">Page not found</Title1>
      <Body1 as="p">
        There is no page at {route}. Go to{" "}
        <Link href={href("/integrations/tokens")} onClick={linkClick("/integrations/tokens")}>
          Tokens
        </Link>{" "}
        or pick a page on the left.
      </Body1>
    </div>
  );
}
