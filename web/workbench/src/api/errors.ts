// The services' one error shape: {"error": {"code", "message", "details": [{field, message}]}}.
// Turned into a message for the page and messages per form field ("stage_tasks.0.month").
import { translate } from "../i18n";

export interface ApiProblem {
  status: number; // 0 when the request never got an answer (network)
  code: string;
  message: string;
  fields: Record<string, string>;
  currentVersion?: number;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { field: string; message: string }[]; [k: string]: unknown };
}

// Pydantic's English messages, said in Chinese (the services' own checks already are).
const PYDANTIC_ZH: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Field required$/, () => "必填"],
  [/^String should have at least (\d+) characters?$/, (m) => `至少 ${m[1]} 个字`],
  [/^String should have at most (\d+) characters?$/, (m) => `最多 ${m[1]} 个字`],
  [/^List should have at least (\d+) items?/, (m) => `至少 ${m[1]} 项`],
  [/^List should have at most (\d+) items?/, (m) => `最多 ${m[1]} 项`],
  [/^String should match pattern/, () => "格式不正确"],
  [/^Input should be a valid date/, () => "日期格式不正确"],
  [/^Input should be a valid integer/, () => "须为整数"],
  [/^Input should be greater than or equal to (\S+)/, (m) => `不能小于 ${m[1]}`],
  [/^Input should be less than or equal to (\S+)/, (m) => `不能大于 ${m[1]}`],
];

function localise(message: string): string {
  if (translate("lang") === "en") return message;
  for (const [pattern, say] of PYDANTIC_ZH) {
    const match = message.match(pattern);
    if (match) return say(match);
  }
  return message;
}

export function problemOf(status: number, body: unknown): ApiProblem {
  const error = (body as ErrorBody | undefined)?.error;
  const fields: Record<string, string> = {};
  for (const detail of error?.details ?? []) {
    const text = localise(detail.message);
    fields[detail.field] = fields[detail.field] ? `${fields[detail.field]}；${text}` : text;
  }
  const current = error?.["current_version"];
  return {
    status,
    code: error?.code ?? `http_${status}`,
    message: error?.message ?? translate("errors.unknown", { status }),
    fields,
    currentVersion: typeof current === "number" ? current : undefined,
  };
}

export function networkProblem(): ApiProblem {
  return { status: 0, code: "network", message: translate("errors.network"), fields: {} };
}

/** Run one API call; a thrown fetch (offline, gateway down) becomes a problem too. */
export async function call<T>(
  request: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ ok: true; data: T; response: Response } | { ok: false; problem: ApiProblem }> {
  try {
    const { data, error, response } = await request();
    if (response.ok && data !== undefined) return { ok: true, data, response };
    return { ok: false, problem: problemOf(response.status, error) };
  } catch {
    return { ok: false, problem: networkProblem() };
  }
}

/** The messages for a field and for the items of a list field ("reasons", "reasons.2"). */
export function fieldError(fields: Record<string, string>, name: string): string | undefined {
  const found = Object.entries(fields)
    .filter(([field]) => field === name || field.startsWith(`${name}.`))
    .map(([, message]) => message);
  return found.length ? found.join("；") : undefined;
}
