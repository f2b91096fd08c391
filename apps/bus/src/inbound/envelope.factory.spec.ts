import { derivedMessageId, hashedMessageId, hashedTailRowId } from './envelope.factory';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(derivedMessageId.name, () => {
  it('should give a row the same id every time it is read', () => {
    expect(derivedMessageId('bridge-cdr:f1:7', 0)).toBe(derivedMessageId('bridge-cdr:f1:7', 0));
    expect(derivedMessageId('bridge-cdr:f1:7', 0)).toMatch(UUID_V8);
  });

  it('should keep giving a row the id it gets now, and know the ids earlier versions gave it, so a file resumed after an upgrade counts its rows right', () => {
    expect(derivedMessageId('bridge-cdr:f1:7', 0)).toBe('b797d6a0-9e71-8000-8000-1c002d7e249f');
    expect(derivedMessageId('bridge-cdr:f1:4294967295', 4095)).toBe('b797d6a0-9e71-8fff-bfff-ffffed7e249f');
    expect(hashedTailRowId('bridge-cdr:f1:7', 0)).toBe('b797d6a0-9e71-8000-8000-1c002350fb49');
    expect(hashedTailRowId('bridge-cdr:f1:4294967295', 4095)).toBe('b797d6a0-9e71-8fff-bfff-fffff1aa2a83');
    expect(hashedTailRowId('crm:batch-7', 0)).toBeUndefined();
    expect(hashedMessageId('bridge-cdr:f1:7', 0)).toBe('e350fb49-9ee0-5073-9a89-bb69f7208e75');
  });

  it("should sort a file's rows in line order, and give every line, index and file its own id", () => {
    const lines = [1, 2, 3, 10, 63, 64, 65, 1000, 16_384, 1_048_576, 2 ** 32 - 1];
    const ids = lines.map((line) => derivedMessageId(`bridge-cdr:f1:${line}`, 0));
    expect([...ids].sort()).toEqual(ids);
    const all = [...ids, ...lines.map((line) => derivedMessageId(`bridge-cdr:f1:${line}`, 1)), ...lines.map((line) => derivedMessageId(`bridge-cdr:f2:${line}`, 0))];
    expect(new Set(all).size).toBe(all.length);
    // One file's ids share their first 48 bits; another file's start elsewhere.
    expect(new Set(ids.map((id) => id.slice(0, 13))).size).toBe(1);
    expect(derivedMessageId('bridge-cdr:f2:1', 0).slice(0, 13)).not.toBe(ids[0].slice(0, 13));
  });

  it('should keep the name-based id of earlier versions for seeds without a line, and for out-of-range lines and indexes', () => {
    expect(derivedMessageId('crm:batch-7', 0)).toBe(hashedMessageId('crm:batch-7', 0));
    expect(derivedMessageId(`f:x:${2 ** 32}`, 0)).toBe(hashedMessageId(`f:x:${2 ** 32}`, 0));
    expect(derivedMessageId('f:x:012', 0)).toBe(hashedMessageId('f:x:012', 0));
    expect(derivedMessageId('f:x:5', 4096)).toBe(hashedMessageId('f:x:5', 4096));
    expect(hashedMessageId('crm:batch-7', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
