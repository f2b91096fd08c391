import { isISO8601 } from 'class-validator';
import { isCommonIsoDate } from './iso-date';

const years = ['0000', '0999', '1000', '1900', '2000', '2023', '2024', '2026', '9999'];
const months = ['00', '01', '02', '04', '09', '11', '12', '13', '1', '1a'];
const days = ['00', '01', '28', '29', '30', '31', '32', '3', 'x1'];
const times = [
  '', 'T00:00:00Z', 'T23:59:59Z', 'T10:00:04.123Z', 'T10:00:04.1234567+01:00', 'T10:00:04-23:59', 'T10:00:04+24:00', 'T10:00:04+01:60',
  'T24:00:00Z', 'T10:60:00Z', 'T10:00:60Z', 'T10:00Z', 'T10:00:00', 'T10:00:00,5Z', ' 10:00:00Z', 'T10:00:00.Z', 'T10:00:00z',
  'T10:00:00+0100', 'T10:00:00+01', 'T1:00:00Z', 'T10:00:00.5', 'T10:00:00Zx', 'T10:00:00+01:00x', 'Tab:cd:efZ',
];

describe('isCommonIsoDate', () => {
  it('should say true only where validator accepts the text in strict mode, and for the common shapes it accepts', () => {
    const disagreements: string[] = [];
    let shown = 0;
    for (const y of years) for (const m of months) for (const d of days) for (const t of times) {
      const text = `${y}-${m}-${d}${t}`;
      const fast = isCommonIsoDate(text);
      if (fast) shown++;
      if (fast && !isISO8601(text, { strict: true })) disagreements.push(text);
    }

    expect(disagreements).toEqual([]);
    expect(shown).toBeGreaterThan(1000);
  });

  it('should recognise the timestamps and calendar days the bus writes, and leave invalid days to validator', () => {
    expect(['2026-12-03', '2024-02-29', '2026-12-03T10:00:04Z', '2026-12-03T10:00:04.123Z', '2026-12-03T10:00:04+01:00'].map(isCommonIsoDate)).toEqual([true, true, true, true, true]);
    expect(['2026-02-29', '2026-04-31', '2026-12-03T24:00:00Z', '2026-12-03 10:00:04Z', '20261203'].map(isCommonIsoDate)).toEqual([false, false, false, false, false]);
  });
});
