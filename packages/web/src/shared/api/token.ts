/**
 * The API token for this browser session. It lives in sessionStorage (not localStorage) so a
 * token typed on a shared machine is gone when the browser closes.
 *
 * When a request meets a 401, `requestToken()` opens the token modal once; every request that
 * is waiting at that moment shares the same prompt and retries when a token is entered.
 */
const KEY = 'stellwerk.apiToken';

export interface TokenPromptState {
  open: boolean;
  /** Why we ask: no token yet, or the server rejected the one we had. */
  reason: 'required' | 'rejected';
}

let token: string | null = readStored();
let prompt: TokenPromptState = { open: false, reason: 'required' };
let waiters: Array<{ resolve: (t: string) => void; reject: (e: Error) => void }> = [];
const listeners = new Set<() => void>();

function readStored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage can be disabled (privacy modes); the token then lasts for the page
  }
}

function emit(): void {
  for (const l of listeners) l();
}

export function getToken(): string | null {
  return token;
}

export function setToken(value: string | null): void {
  token = value;
  try {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  } catch {
    // see readStored
  }
  emit();
}

/** Ask the user for a token; resolves with it, rejects if the user dismisses the prompt. */
export function requestToken(reason: TokenPromptState['reason']): Promise<string> {
  return new Promise((resolve, reject) => {
    waiters.push({ resolve, reject });
    if (!prompt.open) {
      prompt = { open: true, reason };
      emit();
    }
  });
}

export function submitToken(value: string): void {
  setToken(value);
  prompt = { ...prompt, open: false };
  const w = waiters;
  waiters = [];
  for (const x of w) x.resolve(value);
  emit();
}

export function dismissTokenPrompt(): void {
  prompt = { ...prompt, open: false };
  const w = waiters;
  waiters = [];
  for (const x of w) x.reject(new Error('An API token is required to load this data.'));
  emit();
}

export function subscribeToken(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getTokenPrompt(): TokenPromptState {
  return prompt;
}
