import { getMetadataStorage } from 'class-validator';
import type { AdapterContext, AdapterDefinition, AdapterInstance } from '../adapter';
import { validateAdapterConfig } from '../adapter-config.validator';

/** What an adapter's spec tells the suite. */
export interface AdapterConformanceOptions {
  /** Example `inbound:` settings as written in bus.yaml; each must validate. */
  validInbound?: object | readonly object[];
  /** Example `outbound:` settings as written in bus.yaml; each must validate. */
  validOutbound?: object | readonly object[];
  /**
   * An instance whose destination is unreachable (e.g. a URL on a closed port), for the health and
   * close checks. Defaults to `create()` with the first examples.
   */
  makeInstance?: () => AdapterInstance | Promise<AdapterInstance>;
}

/** A context whose logger drops everything: conformance checks must not depend on logging. */
export const silentAdapterContext = (instanceName = 'conformance'): AdapterContext => ({
  instanceName,
  logger: { log: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined, verbose: () => undefined },
  now: () => new Date('2026-01-01T00:00:00.000Z'),
});

const list = (v: object | readonly object[] | undefined): readonly object[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Properties a config class validates that are neither optional nor defaulted: `{}` must name each. */
function requiredProperties(cls: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const optional = new Set(metadata.filter((m) => m.type === 'conditionalValidation').map((m) => m.propertyName));
  const defaults = new cls() as Record<string, unknown>;
  return [...new Set(metadata.map((m) => m.propertyName))].filter((p) => !optional.has(p) && defaults[p] === undefined);
}

/**
 * The checks every adapter kind passes, run from its `<id>.adapter.spec.ts`:
 * config classes reject `{}` (naming each required setting) and unknown keys, and accept the examples;
 * declared capabilities match the methods the instance implements; `checkHealth()` reports rather
 * than throws when the destination is unreachable; `close()` may be called twice.
 *
 * @example
 * runAdapterConformance(httpAdapter, { validOutbound: { url: 'http://billing:8080' }, makeInstance: () => … });
 */
export function runAdapterConformance(definition: AdapterDefinition<any, any>, options: AdapterConformanceOptions = {}): void {
  const examples = { inbound: list(options.validInbound), outbound: list(options.validOutbound) };
  const instances: AdapterInstance[] = [];
  const makeInstance = async () => {
    const instance = options.makeInstance
      ? await options.makeInstance()
      : definition.create(
          {
            inbound: examples.inbound[0] && validateAdapterConfig(definition, 'inbound', examples.inbound[0]).value,
            outbound: examples.outbound[0] && validateAdapterConfig(definition, 'outbound', examples.outbound[0]).value,
          },
          silentAdapterContext(),
        );
    instances.push(instance);
    return instance;
  };

  describe(`adapter ${definition.id} conformance`, () => {
    afterAll(async () => {
      await Promise.all(instances.map((i) => i.close?.()));
    });

    it('should have a kebab-case id and a summary', () => {
      expect(definition.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(definition.summary.length).toBeGreaterThan(0);
    });

    for (const direction of ['inbound', 'outbound'] as const) {
      const cls = definition.config[direction];
      if (!cls) continue;
      const required = requiredProperties(cls);

      if (required.length) {
        it(`should reject {} as ${direction} settings, naming ${required.join(', ')}`, () => {
          const { errors } = validateAdapterConfig(definition, direction, {});
          expect(errors.map((e) => e.path)).toEqual(expect.arrayContaining(required));
        });
      }

      if (examples[direction].length) {
        it.each(examples[direction].map((e) => [JSON.stringify(e), e]))(`should accept the ${direction} example %s`, (_json, example) => {
          expect(validateAdapterConfig(definition, direction, example).errors).toEqual([]);
        });

        it(`should reject an unknown ${direction} setting`, () => {
          const { errors } = validateAdapterConfig(definition, direction, { ...examples[direction][0], notASetting: 1 });
          expect(errors).toEqual([expect.objectContaining({ path: 'notASetting' })]);
        });
      }
    }

    it('should implement exactly the methods its capabilities declare', async () => {
      const instance = await makeInstance();
      const { capabilities } = definition;
      expect({ outbound: typeof instance.send === 'function', query: typeof instance.request === 'function' }).toEqual({
        outbound: Boolean(capabilities.outbound),
        query: Boolean(capabilities.query),
      });
      expect(typeof instance.checkHealth).toBe('function');
      expect(['stable', 'beta', 'experimental']).toContain(capabilities.maturity);
    });

    it('should report health rather than throw when the destination is unreachable', async () => {
      const instance = await makeInstance();
      const health = await instance.checkHealth();
      expect(['up', 'down']).toContain(health.status);
      if (health.status === 'down') expect(health.detail).toEqual(expect.any(String));
    });

    it('should allow close() to be called twice', async () => {
      const instance = await makeInstance();
      await instance.close?.();
      await expect(Promise.resolve(instance.close?.())).resolves.toBeUndefined();
    });
  });
}
