import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { openApiDocument } from "./openapi.js";

/**
 * The reference page's own policy. Swagger UI's scripts and styles are files it serves from this
 * origin (no CDN: the machine may be offline); its React components set inline `style` attributes
 * and its icons are data: SVGs. "Try it out" calls this origin only. Every other answer keeps the
 * API's `default-src 'none'`.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const DOCS_PREFIX = "/docs";
/** The routes that answer the page itself (with and without the trailing slash). */
const PAGE_ROUTES = new Set(["/api/docs", "/api/docs/"]);

/**
 * GET /api/openapi.json (the document) and GET /api/docs (Swagger UI over the same document, which
 * it fetches from /api/docs/json). Registered under the /api prefix.
 */
export async function apiDocs(
  app: FastifyInstance,
  { errorsAs200 }: { errorsAs200: boolean },
): Promise<void> {
  const document = openApiDocument({ errorsAs200 });
  app.get("/openapi.json", async () => document);
  await app.register(fastifySwagger, { mode: "static", specification: { document: document as never } });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    // The page names its assets by absolute path: the plugin does not see the /api it is registered under.
    indexPrefix: "/api",
    // Swagger's online validator would send the document to validator.swagger.io.
    validatorUrl: false,
    uiConfig: { deepLinking: true },
    uiHooks: {
      // After the service-wide hook: replaces the API's policy on the page (its assets need none).
      onRequest: (request, reply, done) => {
        if (PAGE_ROUTES.has(request.routeOptions.url ?? ""))
          reply.header("content-security-policy", DOCS_PAGE_CSP);
        done();
      },
    },
  });
}
