import { logLine } from './log-line';

describe(logLine.name, () => {
  it('should carry the text as msg and every known field beside it', () => {
    const sut = logLine('Message m-1 to billing dead-lettered', { messageId: 'm-1', system: 'billing', route: undefined });
    expect(JSON.parse(JSON.stringify(sut))).toEqual({ msg: 'Message m-1 to billing dead-lettered', messageId: 'm-1', system: 'billing' });
  });

  it('should read as its text alone where it is printed as text', () => {
    expect(String(logLine('the text', { messageId: 'm-1' }))).toBe('the text');
  });

  it('should not copy the text-conversion into the JSON fields', () => {
    expect(Object.keys({ ...logLine('x', { correlationId: 'c' }) })).toEqual(['msg', 'correlationId']);
  });
});
