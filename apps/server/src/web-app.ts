import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * The page's own policy: its scripts, styles and calls come from this origin only, nothing inline, and
 * no one may frame it. The API's answers keep `default-src 'none'` (set for every request before this).
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Serves the built web app at `/`: index.html and the files under it that exist at start-up, no more
 * (any other path keeps the API's JSON 404). Answers false when the app is not built, so that the
 * caller can say so.
 */
export async function serveWebApp(server: FastifyInstance, dir: string): Promise<boolean> {
  if (!existsSync(join(dir, "index.html"))) return false;
  await server.register(async (pages) => {
    // Runs after the service-wide hook, so these replace its API headers for the page's routes only.
    pages.addHook("onRequest", (_request, reply, done) => {
      reply.header("content-security-policy", PAGE_CSP);
      done();
    });
    // max-age=0: a browser asks again (an ETag answers), so a new build is seen at once.
    await pages.register(fastifyStatic, { root: dir, prefix: "/", wildcard: false, index: "index.html" });
  });
  return true;
}
