/** Freezes a value JSON.parse made, through and through (it needs no check: parsing only makes JSON). */
export function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && typeof v === 'object') deepFreeze(v);
  }
}

/**
 * Freezes `value` through and through when it is what `JSON.parse(JSON.stringify(value))` gives back
 * unchanged: plain objects and arrays, strings, finite numbers, booleans and null. Anything else (an
 * undefined field, a Date, a class instance, NaN, -0, an array JSONata marked as a sequence) leaves it
 * unfrozen and answers false, so a copy shared in place of a parsed body never differs from one.
 */
export function freezeIfJson(value: unknown): boolean {
  const objects: object[] = [];
  if (!collectJson(value, objects)) return false;
  for (const o of objects) Object.freeze(o);
  return true;
}

function collectJson(value: unknown, objects: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      if (value === null) return true;
      break;
    default:
      return false;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const array = value as unknown[] & Record<string, unknown>;
    // JSONata keeps its sequence flags on the array itself: JSON drops them, a mapping reads them.
    if (array.sequence !== undefined || array.keepSingleton !== undefined || array.tupleStream !== undefined || array.outerWrapper !== undefined || array.cons !== undefined) return false;
    for (let i = 0; i < array.length; i++) if (!collectJson(array[i], objects)) return false;
  } else if (proto === Object.prototype) {
    for (const key in value) if (!collectJson((value as Record<string, unknown>)[key], objects)) return false;
  } else {
    return false;
  }
  objects.push(value);
  return true;
}
