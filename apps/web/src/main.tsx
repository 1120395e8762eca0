import { createAuthClient, createAuthSession, localStorageAdapter } from "@authsvc/client";
import { AuthProvider } from "@authsvc/react";
import { QueryClient } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import "./styles.css";

// The page is served by the service itself (or by Vite, which forwards /trpc to it): same origin.
const client = createAuthClient({ url: window.location.origin });
const session = createAuthSession(client, { storage: localStorageAdapter() });
// A failed auth call is the user's to retry (a wrong code, a wrong password): never retried behind their back.
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
});

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <AuthProvider client={client} session={session} queryClient={queryClient}>
      <App />
    </AuthProvider>
  </StrictMode>,
);
