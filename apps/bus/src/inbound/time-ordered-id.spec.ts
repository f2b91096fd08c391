import { timeOfOrderedId, timeOrderedId } from './time-ordered-id';

describe(timeOrderedId.name, () => {
  it('should be an RFC 9562 version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 11, 5, 19, 30, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('should sort ids of later milliseconds after earlier ones, and never repeat', () => {
    const ids: string[] = [];
    for (let t = 0; t < 2000; t++) ids.push(timeOrderedId(1_700_000_000_000 + t * 7), timeOrderedId(1_700_000_000_000 + t * 7));
    const later = ids.filter((_, i) => i % 2 === 0);
    expect([...later].sort()).toEqual(later);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe(timeOfOrderedId.name, () => {
  it('should read back the millisecond an id was minted at, and nothing from another kind of id', () => {
    const at = Date.parse('2026-12-08T05:12:21.195Z');
    expect(timeOfOrderedId(timeOrderedId(at))).toBe(at);
    expect(timeOfOrderedId('6f1c2b4e-8d3a-4c1e-9b7f-2a5d8e0c1f3b')).toBeUndefined();
    expect(timeOfOrderedId('m1')).toBeUndefined();
  });
});
