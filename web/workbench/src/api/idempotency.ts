// An Idempotency-Key on every POST, so a retry after a lost answer is applied once
// (docs/reliability.md, R14). The services derive the ids a request creates from the
// key: a second attempt of a declaration, plan, visit or report whose first attempt
// landed is answered with what the first stored instead of making a second record.
//
// One key per form submission, the same on every retry of it: a submission is the
// URL and the body as sent. Its key is kept until the server answers for sure (any
// status below 500); a network failure, a timeout or a 5xx leaves the outcome
// unknown, so pressing the button again with the same content resends the same key.
// Once answered, the same content again is a new submission with a new key (a second
// weekly report of the same words is the user's choice, not a retry). Changed content
// is a new submission too.
const HEADER = "Idempotency-Key";
// Submissions still waiting for a sure answer; the oldest are forgotten past this.
const MAX_PENDING = 50;
const pending = new Map<string, string>(); // submission → key

function freshKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Outside a secure context (plain http on a LAN address) randomUUID is missing.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Give a POST the key of its submission (a fresh one, or the one its earlier attempt used). */
export async function withIdempotencyKey(request: Request): Promise<Request> {
  if (request.method !== "POST" || request.headers.has(HEADER)) return request;
  const submission = `${request.url}\n${await request.clone().text()}`;
  let key = pending.get(submission);
  if (key === undefined) {
    key = freshKey();
    pending.set(submission, key);
    if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value as string);
  }
  request.headers.set(HEADER, key);
  return request;
}

/** The server answered: below 500 it stands by that answer, so the key is spent. */
export function settle(request: Request, response: Response): void {
  const key = request.headers.get(HEADER);
  if (key === null || response.status >= 500) return;
  for (const [submission, pendingKey] of pending) {
    if (pendingKey === key) pending.delete(submission);
  }
}
