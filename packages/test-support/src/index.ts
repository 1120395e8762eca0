export { EMAIL_CORPUS } from "./email-corpus.js";
export { failureOf, silentServer } from "./outages.js";
export { TcpProxy } from "./tcp-proxy.js";
