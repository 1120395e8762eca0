/**
 * The interaction pages, rendered on the server: plain forms with labelled fields, no script and
 * no style, so that they work under the service's Content-Security-Policy (default-src 'none').
 */

export function signInPage(options: {
  action: string;
  client: string;
  email?: string;
  error?: string;
}): string {
  return page(
    "Sign in",
    `<p>to continue to ${escapeHtml(options.client)}</p>
${errorLine(options.error)}<form method="post" action="${escapeHtml(options.action)}">
<p><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? "")}"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

/**
 * The code's form. Its second button asks for a new code (`resend`), for when this one expired or
 * never came; it is no default: Enter in the field sends the code.
 */
export function codePage(options: { action: string; error?: string; resent?: boolean }): string {
  const status = options.resent ? `<p role="status">A new code is on its way.</p>\n` : "";
  return page(
    "Enter your code",
    `<p>We emailed you a code.</p>
${status}${errorLine(options.error)}<form method="post" action="${escapeHtml(options.action)}">
<p><label for="code">Code</label> <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required></p>
<p><button type="submit">Continue</button> <button type="submit" name="resend" value="yes" formnovalidate>Send a new code</button></p>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}

/** RP-initiated logout's confirmation: the library's form, and a button that submits it. */
export function logoutPage(form: string): string {
  return page(
    "Sign out",
    `${form}<p><button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button></p>`,
  );
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}

function errorLine(error: string | undefined): string {
  return error ? `<p role="alert">${escapeHtml(error)}</p>\n` : "";
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] as string);
}
