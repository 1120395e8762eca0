import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { BlockList, isIPv6 } from "node:net";

export const REQUEST_ID_HEADER = "x-request-id";

/**
 * What a proxy's id may be: up to 128 of the characters request ids are made of (UUIDs, AWS's
 * `Root=1-…`, base64, W3C trace ids). Anything else could split a header or a log line.
 */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:;=+/-]{1,128}$/;

/**
 * Fastify's `genReqId`: a trusted proxy's X-Request-Id when it is valid, otherwise a new UUID.
 * Trust is TRUST_PROXY's, as for X-Forwarded-For: a caller that is not a trusted proxy could
 * otherwise pick the id its requests are logged under, and pass them off as someone else's.
 */
export function requestIdOf(trustProxy: boolean | string[]): (request: IncomingMessage) => string {
  const trusted = trustedPeer(trustProxy);
  return (request) => {
    const header = request.headers[REQUEST_ID_HEADER];
    if (
      typeof header === "string" &&
      VALID_REQUEST_ID.test(header) &&
      trusted(request.socket.remoteAddress)
    ) {
      return header;
    }
    return randomUUID();
  };
}

/** Whether the peer is a proxy TRUST_PROXY names (its addresses and CIDR ranges), as Fastify decides. */
function trustedPeer(trustProxy: boolean | string[]): (address: string | undefined) => boolean {
  if (typeof trustProxy === "boolean") return () => trustProxy;
  const proxies = new BlockList();
  for (const entry of trustProxy) {
    const [address = "", prefix] = entry.split("/");
    const type = isIPv6(address) ? "ipv6" : "ipv4";
    if (prefix === undefined) proxies.addAddress(address, type);
    else proxies.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    if (address === undefined) return false;
    // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return v4 ? proxies.check(v4, "ipv4") : proxies.check(address, isIPv6(address) ? "ipv6" : "ipv4");
  };
}
