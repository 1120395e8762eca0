/** Debian's Chromium (`apt-get install chromium`): playwright-core drives it, and downloads no browser. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless, as root in a container; without the background-networking flags Chromium keeps calling
 * Google's hosts, which this closed network refuses. Playwright gives each launch a new empty profile.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
