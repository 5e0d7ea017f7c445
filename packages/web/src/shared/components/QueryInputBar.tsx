import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useDismiss } from './useDismiss.ts';

/** The data-testid of each part, so each page keeps the names its tests use. */
export interface QueryInputBarTestIds {
  input: string;
  submit: string;
  helpButton: string;
  error: string;
}

interface Props {
  value: string;
  onSubmit: (text: string) => void;
  /** The server's explanation when it could not parse the text. */
  error?: string;
  busy?: boolean;
  placeholder: string;
  ariaLabel: string;
  submitLabel: string;
  helpTitle: string;
  /** The popover the "?" button opens. */
  help: ReactNode;
  /** Shown before the input, inside the form. */
  icon?: ReactNode;
  errorId: string;
  testIds: QueryInputBarTestIds;
}

/** A query box run on Enter, with a syntax help popover and the server's parse error below it. */
export function QueryInputBar(props: Props) {
  const { value, onSubmit, error, busy, testIds } = props;
  const [text, setText] = useState(value);
  const [help, setHelp] = useState(false);
  const helpRef = useRef<HTMLDivElement>(null);
  useDismiss(helpRef, help, () => setHelp(false));

  // The URL is the source of truth: follow it on back/forward and clicks that change it.
  useEffect(() => setText(value), [value]);

  return (
    <div className="querybar">
      <form
        className={`query-form${error ? ' has-error' : ''}`}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(text);
        }}
      >
        {props.icon}
        <input
          className="query-input"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={props.placeholder}
          spellCheck={false}
          autoComplete="off"
          aria-label={props.ariaLabel}
          aria-invalid={!!error}
          aria-describedby={error ? props.errorId : undefined}
          data-testid={testIds.input}
        />
        {busy && <span className="spinner" role="status" aria-label="Loading" />}
        <button type="submit" className="btn btn-primary" data-testid={testIds.submit}>
          {props.submitLabel}
        </button>
      </form>
      <div className="help-anchor" ref={helpRef}>
        <button
          type="button"
          className="btn btn-icon"
          aria-expanded={help}
          title={props.helpTitle}
          onClick={() => setHelp((h) => !h)}
          data-testid={testIds.helpButton}
        >
          ?
        </button>
        {help && props.help}
      </div>
      {error && (
        <div className="query-error" id={props.errorId} role="alert" data-testid={testIds.error}>
          {error}
        </div>
      )}
    </div>
  );
}

interface HelpProps {
  title: string;
  /** Pairs of an example and what it means. */
  examples: ReadonlyArray<readonly [string, string]>;
  footer: string;
  testId: string;
}

/** The syntax popover: a table of examples and a closing hint. */
export function QuerySyntaxHelp({ title, examples, footer, testId }: HelpProps) {
  return (
    <div className="popover help-popover" data-testid={testId}>
      <div className="popover-title">{title}</div>
      <table className="help-table">
        <tbody>
          {examples.map(([q, d]) => (
            <tr key={q}>
              <td>
                <code>{q}</code>
              </td>
              <td>{d}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="muted">{footer}</div>
    </div>
  );
}
