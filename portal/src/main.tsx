import { StrictMode, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { FluentProvider, webDarkTheme, webLightTheme } from "@fluentui/react-components";
import { App } from "./App";
import "./styles.css";

const dark = window.matchMedia("(prefers-color-scheme: dark)");
const subscribe = (onChange: () => void) => {
  dark.addEventListener("change", onChange);
  return () => dark.removeEventListener("change", onChange);
};

/** Fluent's web theme, light or dark as the system is set; it follows a change of the setting at once. */
function Themed() {
  const isDark = useSyncExternalStore(subscribe, () => dark.matches);
  return (
    <FluentProvider theme={isDark ? webDarkTheme : webLightTheme} data-theme={isDark ? "dark" : "light"}>
      <App />
    </FluentProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Themed />
  </StrictMode>,
);
