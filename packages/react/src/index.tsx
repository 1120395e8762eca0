import type { AppRouter, AuthClient, AuthSession, AuthSessionState } from "@authsvc/client";
import { type QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { createContext, type ReactNode, useContext, useSyncExternalStore } from "react";

const trpc = createTRPCContext<AppRouter>();

/** The router's procedures as React Query options: `useQuery(useTRPC().user.me.queryOptions(input))`. */
export const useTRPC = trpc.useTRPC;
/** The typed client the provider was given, for calls outside React Query. */
export const useAuthClient: () => AuthClient = trpc.useTRPCClient;

const SessionContext = createContext<AuthSession | null>(null);

export interface AuthProviderProps {
  /** From `createAuthClient`: the session and the hooks share it. */
  client: AuthClient;
  /** From `createAuthSession(client, ...)`; `localStorageAdapter()` keeps it across reloads and tabs. */
  session: AuthSession;
  queryClient: QueryClient;
  children: ReactNode;
}

/** Gives the tree the session, the typed client and React Query. */
export function AuthProvider({ client, session, queryClient, children }: AuthProviderProps) {
  return (
    <QueryClientProvider client={queryClient}>
      <trpc.TRPCProvider trpcClient={client} queryClient={queryClient}>
        <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
      </trpc.TRPCProvider>
    </QueryClientProvider>
  );
}

/** The session helper: its actions (`signUp`, `logIn`, `verifyCode`, `logOut`, ...). */
export function useAuthSession(): AuthSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useAuthSession: no <AuthProvider> above this component");
  return session;
}

/** The session's state; the component renders again when it changes, in this tab or another. */
export function useAuthState(): AuthSessionState {
  const session = useAuthSession();
  return useSyncExternalStore(session.subscribe, session.getState, session.getState);
}
