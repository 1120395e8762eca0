import { ok, type Route } from "./context.js";

/**
 * `GET /.well-known/okta-organization` (management.yaml, getWellknownOrgMetadata; no token):
 * `pipeline` is `idx` on an Identity Engine org and `v1` on a Classic one, which is how a
 * caller learns the engine without being told.
 */
export const orgMetadataRoutes: Route[] = [
  {
    method: "GET",
    path: "/.well-known/okta-organization",
    public: true,
    handle: (context) =>
      ok({
        id: context.org.id,
        pipeline: context.settings.engine === "identity" ? "idx" : "v1",
        _links: { organization: { href: context.url } },
      }),
  },
];
