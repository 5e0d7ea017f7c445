import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { dismissTokenPrompt, getTokenPrompt, submitToken, subscribeToken } from '../api/token.ts';

/** Asks for an API token when the server answered 401; kept for this browser session only. */
export function TokenModal() {
  const prompt = useSyncExternalStore(subscribeToken, getTokenPrompt);
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (prompt.open) {
      setValue('');
      input.current?.focus();
    }
  }, [prompt.open]);

  if (!prompt.open) return null;
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="token-title"
        data-testid="token-modal"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) submitToken(value.trim());
        }}
      >
        <h2 id="token-title">API token required</h2>
        <p>
          {prompt.reason === 'rejected'
            ? 'The server rejected the token. Check it and enter it again.'
            : 'This Stellwerk server requires an API token. It is kept in this browser tab session only.'}
        </p>
        <p className="muted">Use a token configured on the server; it is sent as a Bearer token with each request.</p>
        <input
          ref={input}
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="API token"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          data-testid="token-input"
        />
        <div className="modal-actions">
          <button type="button" className="btn" onClick={dismissTokenPrompt}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!value.trim()} data-testid="token-submit">
            Use token
          </button>
        </div>
      </form>
    </div>
  );
}
