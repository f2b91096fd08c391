import { secretsMatch } from './constant-time';

describe(secretsMatch.name, () => {
  it.each([
    ['the same secret', 'k3y-abc', 'k3y-abc', true],
    ['a different secret of the same length', 'k3y-abd', 'k3y-abc', false],
    ['a prefix of the secret', 'k3y', 'k3y-abc', false],
    ['no presented secret', undefined, 'k3y-abc', false],
    ['no configured secret', 'k3y-abc', undefined, false],
    ['two empty strings', '', '', false],
  ])('should answer for %s', (_case, presented, expected, result) => {
    expect(secretsMatch(presented, expected)).toBe(result);
  });
});
