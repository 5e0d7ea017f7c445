import { describe, expect, it } from 'vitest';
import { overlayOf, quoteLiteral, settingsSignature, settingsTransition } from './settings.ts';

const m = (o: Record<string, string>) => new Map(Object.entries(o));

describe('settingsTransition', () => {
  const baseline = m({ max_execution_time: '60' });

  it('changes nothing when the request wants what the connection has', () => {
    expect(settingsTransition(baseline, m({ a: '1' }), m({ a: '1' }))).toBeNull();
    expect(settingsTransition(baseline, m({}), m({}))).toBeNull();
  });

  it('sets new values and resets what the request no longer wants', () => {
    expect(settingsTransition(baseline, m({ a: '1', max_execution_time: '5' }), m({ b: "x'y" }))).toBe(
      "SET b = 'x\\'y', a = DEFAULT, max_execution_time = '60'",
    );
  });

  it('ignores requested values equal to the baseline', () => {
    expect(overlayOf(baseline, m({ max_execution_time: '60', c: '2' }))).toEqual(m({ c: '2' }));
  });
});

describe('quoteLiteral and settingsSignature', () => {
  it('escapes backslashes and quotes', () => {
    expect(quoteLiteral("a\\b'c")).toBe("'a\\\\b\\'c'");
  });

  it('is independent of order', () => {
    expect(settingsSignature(m({ b: '2', a: '1' }))).toBe(settingsSignature(m({ a: '1', b: '2' })));
  });
});
