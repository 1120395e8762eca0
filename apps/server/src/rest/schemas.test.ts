import {
  activateInput,
  grantInput,
  loginInput,
  mfaVerifyInput,
  registerInput,
  sessionInput,
  tokenInput,
  verifyInput,
} from "@authsvc/core";
import { EMAIL_CORPUS } from "@authsvc/test-support";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  activateBody,
  grantBody,
  loginBody,
  mfaVerifyBody,
  registerBody,
  sessionBody,
  tokenBody,
  verifyBody,
} from "./schemas.js";

const person = {
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  password: "Correct-Horse-9",
};
const strings = [
  "",
  " ",
  "x",
  "a".repeat(51),
  "a".repeat(300),
  "00uAbc",
  "12345",
  "123456",
  "1234567",
  "12a456",
  "ab cd",
  "ünï",
  "<script>",
  "A\u0000B",
  "A\uD800",
  "\uDC00B",
  "Ada 🔑",
];
const wrongTypes = [null, 42, true, [], {}, ["123456"]];

/** Each operation's REST body (Joi) next to its tRPC input (zod), with inputs to try on both. */
const pairs: [string, import("joi").Schema, z.ZodType, Record<string, unknown>[]][] = [
  [
    "register",
    registerBody,
    registerInput,
    [
      person,
      { ...person, extra: "ignored" },
      { ...person, email: "  ada@example.com  " },
      { ...person, firstName: "  " },
      ...EMAIL_CORPUS.map((email) => ({ ...person, email })),
      ...["firstName", "lastName", "email", "password"].flatMap((key) =>
        [...strings, ...wrongTypes, undefined].map((value) => ({ ...person, [key]: value })),
      ),
    ],
  ],
  [
    "login",
    loginBody,
    loginInput,
    [
      { email: person.email, password: "x" },
      { email: "not-an-email", password: "x" },
      { email: `${"a".repeat(250)}@b.co`, password: "x" },
      ...EMAIL_CORPUS.map((email) => ({ email, password: "x" })),
      ...[...strings, ...wrongTypes].map((password) => ({ email: person.email, password })),
    ],
  ],
  [
    "activate",
    activateBody,
    activateInput,
    [...strings, ...wrongTypes]
      .flatMap((otp) => [{ userId: "00uAbc", otp }, { userId: otp }, { userId: otp, otp: "123456" }])
      .concat([{ userId: "00uAbc" }, { userId: "a".repeat(65) }]),
  ],
  [
    "mfa/verify",
    mfaVerifyBody,
    mfaVerifyInput,
    [...strings, ...wrongTypes].map((otp) => ({ userId: "00uAbc", otp })),
  ],
  ["session", sessionBody, sessionInput, [...strings, ...wrongTypes].map((sessionId) => ({ sessionId }))],
  ["sso/token", tokenBody, tokenInput, [...strings, ...wrongTypes, "Zm9v-_bar"].map((code) => ({ code }))],
  [
    "sso/grant bound to a client",
    grantBody,
    grantInput,
    [
      ...strings,
      ...wrongTypes,
      "c".repeat(43),
      "https://app.example/cb",
      "com.example.app:/cb",
      "S256",
      "plain",
    ]
      .flatMap((value): Record<string, unknown>[] => [
        { sessionId: "s1", clientId: value },
        { sessionId: "s1", clientId: "app", redirectUri: value },
        { sessionId: "s1", clientId: "app", codeChallenge: value, codeChallengeMethod: "S256" },
        { sessionId: "s1", clientId: "app", codeChallenge: "c".repeat(43), codeChallengeMethod: value },
        { sessionId: "s1", redirectUri: value },
      ])
      .concat([
        { sessionId: "s1", codeChallenge: "c".repeat(43) },
        { sessionId: "s1", clientId: "a".repeat(201) },
      ]),
  ],
  [
    "sso/token bound to a client",
    tokenBody,
    tokenInput,
    [...strings, ...wrongTypes, "v".repeat(43), "v".repeat(129), "a.b~c_d-e".repeat(5)].flatMap((value) => [
      { code: "c1", clientId: "app", codeVerifier: value },
      { code: "c1", clientId: value, redirectUri: "https://app.example/cb" },
    ]),
  ],
  [
    "sso/verify",
    verifyBody,
    verifyInput,
    [...strings, ...wrongTypes, "a".repeat(5000)].map((token) => ({ token })),
  ],
];

describe("REST Joi schemas and core zod schemas", () => {
  for (const [name, joi, zod, inputs] of pairs) {
    it(`${name}: accept and refuse the same inputs, and clean them alike`, () => {
      for (const input of inputs) {
        const viaJoi = joi.validate(input, { abortEarly: false });
        const viaZod = zod.safeParse(input);
        expect({ input, accepted: viaJoi.error === undefined }).toEqual({ input, accepted: viaZod.success });
        if (viaZod.success) expect(viaJoi.value).toEqual(viaZod.data);
      }
    });
  }

  it("refuse the same fields of a bad body", () => {
    const bad = { firstName: 1, lastName: "", email: "x", password: null };
    const joiPaths = registerBody
      .validate(bad, { abortEarly: false })
      .error?.details.map((d) => d.path.join("."));
    const zodPaths = registerInput.safeParse(bad).error?.issues.map((i) => i.path.join("."));
    expect(new Set(joiPaths)).toEqual(new Set(zodPaths));
  });

  it("hold one email rule: ASCII only, stored trimmed and lower-cased", () => {
    const canonical = (email: string) => {
      const viaZod = loginInput.safeParse({ email, password: "x" });
      return viaZod.success ? viaZod.data.email : "refused";
    };

    expect(canonical("  Kate@Example.COM ")).toBe("kate@example.com");
    expect(canonical("A{B}@example.com")).toBe("a{b}@example.com");
    expect(canonical("Ada@XN--EXMPLE-CUA.COM")).toBe("ada@xn--exmple-cua.com");
    for (const lookalike of ["\u212Aate@example.com", "\uFF4Bate@example.com", "D\u0130ANA@example.com"]) {
      expect(canonical(lookalike)).toBe("refused");
    }
    for (const refused of ["\u00E4d\u00E4@ex\u00E4mple.com", '"a b"@example.com', "a/b@example.com"]) {
      expect(canonical(refused)).toBe("refused");
    }
  });
});
