export { failureOf, silentServer } from "./outages.js";
export { TcpProxy } from "./tcp-proxy.js";
