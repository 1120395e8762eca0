import { authnRoutes } from "./authn.js";
import type { Route } from "./context.js";
import { factorRoutes } from "./factors.js";
import { oktaFailure } from "./okta-errors.js";
import { orgMetadataRoutes } from "./org-metadata.js";
import { sessionRoutes } from "./sessions.js";
import { userRoutes } from "./users.js";

interface CompiledRoute {
  route: Route;
  key: string;
  pattern: RegExp;
  names: string[];
}

const ROUTES: CompiledRoute[] = [
  ...userRoutes,
  ...factorRoutes,
  ...authnRoutes,
  ...sessionRoutes,
  ...orgMetadataRoutes,
].map((route) => ({
  route,
  key: `${route.method} ${route.path}`,
  names: [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string),
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, "([^/]+)")}$`),
}));

/** The route for a request, its `stats()` key and its decoded path parameters; else Okta's 404 or 405. */
export function findRoute(method: string, path: string) {
  let pathKnown = false;
  for (const { route, key, pattern, names } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, decode(match[i + 1] as string)]));
    return { route, key, params };
  }
  return oktaFailure(pathKnown ? "E0000022" : "E0000008");
}

/** A malformed escape stays as sent: it then names no user, factor or session, as in Okta. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
