import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

/** One answer as a test received it. */
export interface ReceivedAnswer {
  status: number;
  headers: Headers;
  /** The body as sent, before any parsing. */
  text: string;
}

type Json = Record<string, unknown>;

/** What the document says a path or method it does not list answers, by status (ERRORS_AS_200: any, as a 200). */
const UNROUTED: Record<number, string[]> = {
  404: ["NotFound"],
  400: ["RefusedBeforeRouting"],
  413: ["RefusedBeforeRouting"],
  415: ["RefusedBeforeRouting"],
  200: ["NotFound", "RefusedBeforeRouting"],
};

const pointer = (...parts: string[]) =>
  `openapi#/${parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;

/**
 * Holds answers to the REST shim's OpenAPI document: the status must be listed for the route
 * (or, for a path or method it does not list, be its NotFound answer), the headers it marks
 * required present and whole numbers where it says integer, and the body valid against the
 * route's schema for that status (JSON Schema 2020-12, as OpenAPI 3.1 says). Answers a sentence
 * naming the route, the status and what broke, or undefined when the answer holds.
 */
export function openApiChecker(document: Json) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema(document, "openapi");
  const validators = new Map<string, ValidateFunction>();
  const validator = (at: string) => {
    let validate = validators.get(at);
    if (!validate) {
      validate = ajv.getSchema(at);
      if (!validate) throw new Error(`no schema at ${at}`);
      validators.set(at, validate);
    }
    return validate;
  };
  const paths = document.paths as Record<string, Record<string, Json>>;
  const components = document.components as { responses: Record<string, Json> };

  const problemsWith = (response: Json | undefined, at: string[], answer: ReceivedAnswer) => [
    ...headerProblems(response, answer),
    ...bodyProblems(response, answer, at, validator),
  ];

  return (method: string, path: string, answer: ReceivedAnswer): string | undefined => {
    const { pathname } = new URL(path, "http://service");
    const operation = paths[pathname]?.[method.toLowerCase()];
    const route = `${method.toUpperCase()} ${pathname}`;
    const broken = (at: string[], problems: string[]) =>
      `${route} answered ${answer.status}, which breaks the OpenAPI document (${at.join(" > ")}): ${problems.join("; ")}\n  body: ${answer.text.slice(0, 600)}`;
    if (operation) {
      const responses = operation.responses as Record<string, Json>;
      const status = [String(answer.status), `${String(answer.status)[0]}XX`, "default"].find(
        (key) => responses[key],
      );
      if (!status) {
        const listed = Object.keys(responses).join(", ");
        return `${route} answered ${answer.status}, a status its OpenAPI operation does not list (${listed})`;
      }
      const at = ["paths", pathname, method.toLowerCase(), "responses", status];
      const problems = problemsWith(responses[status], at, answer);
      return problems.length === 0 ? undefined : broken(at, problems);
    }
    // Not a route of the document: NotFound, or a refusal made before routing.
    if (!pathname.startsWith("/api/") && answer.status !== 404) return undefined;
    const names = UNROUTED[answer.status];
    if (!names) {
      return `${route} is not in the OpenAPI document, yet answered ${answer.status} (only 404, or 400, 413 and 415 before routing, are documented)`;
    }
    const tries = names.map((name) => {
      const at = ["components", "responses", name];
      return { at, problems: problemsWith(components.responses[name], at, answer) };
    });
    if (tries.some(({ problems }) => problems.length === 0)) return undefined;
    const [first] = tries as [{ at: string[]; problems: string[] }];
    return broken(first.at, first.problems);
  };
}

function headerProblems(response: Json | undefined, answer: ReceivedAnswer): string[] {
  const headers = (response?.headers ?? {}) as Record<string, { required?: boolean; schema?: Json }>;
  return Object.entries(headers).flatMap(([name, header]) => {
    const value = answer.headers.get(name);
    if (value === null) return header.required ? [`the required header ${name} is missing`] : [];
    if (header.schema?.type === "integer" && !/^\d+$/.test(value)) {
      return [`header ${name} is ${JSON.stringify(value)}, not an integer`];
    }
    return [];
  });
}

function bodyProblems(
  response: Json | undefined,
  answer: ReceivedAnswer,
  at: string[],
  validator: (at: string) => ValidateFunction,
): string[] {
  const content = (response?.content ?? {}) as Record<string, Json>;
  const mediaType = answer.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  if (!content[mediaType]) {
    return [`content-type ${mediaType || "(none)"} is not one of ${Object.keys(content).join(", ")}`];
  }
  if (mediaType !== "application/json") return [];
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return ["the body is not JSON"];
  }
  const validate = validator(pointer(...at, "content", mediaType, "schema"));
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `body${error.instancePath} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ""}`,
  );
}
