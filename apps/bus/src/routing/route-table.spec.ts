import { plainToInstance } from 'class-transformer';
import { QueryConfig, RouteConfig } from '../config/bus-config.schema';
import { RouteTable } from './route-table';

const routes = (plain: object[]) => plain.map((r) => plainToInstance(RouteConfig, r));
const envelope = (type: string, source = 'sales', payload: unknown = {}) => ({ id: 'm-1', type, source, payload });
const destinations = async (sut: RouteTable, e: ReturnType<typeof envelope>) => (await sut.match(e)).matches.map((m) => m.destination).sort();

describe(RouteTable.name, () => {
  describe('type patterns and sources', () => {
    const sut = RouteTable.compile(
      routes([
        { name: 'exact', types: ['customer.updated'], to: ['exact'] },
        { name: 'star', types: ['contract.*'], to: ['star'] },
        { name: 'hash', types: ['invoice.#'], to: ['hash'] },
        { name: 'hash-middle', types: ['usage.#.recorded'], to: ['middle'] },
        { name: 'from-sales', from: 'sales', types: ['order.placed'], to: ['from-sales'] },
        { name: 'from-billing', from: 'billing', types: ['order.#'], to: ['from-billing'] },
      ]),
    ).table;

    it.each([
      ['an exact type', 'customer.updated', 'sales', ['exact']],
      ['no route for a different exact type', 'customer.created', 'sales', []],
      ['`*` for exactly one segment', 'contract.signed', 'sales', ['star']],
      ['`*` not for two segments', 'contract.rate.changed', 'sales', []],
      ['`*` not for zero segments', 'contract', 'sales', []],
      ['`#` for zero segments', 'invoice', 'sales', ['hash']],
      ['`#` for several segments', 'invoice.line.added', 'sales', ['hash']],
      ['`#` in the middle for zero segments', 'usage.recorded', 'sales', ['middle']],
      ['`#` in the middle for two segments', 'usage.call.bridge.recorded', 'sales', ['middle']],
      ['`from` for its source', 'order.placed', 'sales', ['from-sales']],
      ['`from` not for another source', 'order.placed', 'booking', []],
      ['a pattern route with `from`', 'order.placed', 'billing', ['from-billing']],
    ])('should match %s (%s from %s)', async (_case, type, source, expected) => {
      expect(await destinations(sut, envelope(type, source))).toEqual(expected);
    });
  });

  it('should fan out one message to every destination of every matching route', async () => {
    const { table: sut } = RouteTable.compile(
      routes([
        { name: 'a', types: ['customer.updated'], to: ['billing', 'archive'] },
        { name: 'b', types: ['customer.*'], to: ['mail'] },
      ]),
    );
    expect(await destinations(sut, envelope('customer.updated'))).toEqual(['archive', 'billing', 'mail']);
  });

  it('should report a destination once, with the first route deciding the transform and every route named', async () => {
    const { table: sut } = RouteTable.compile(
      routes([
        { name: 'first', types: ['customer.*'], to: [{ system: 'billing', transform: "$merge([payload, {'via': 'first'}])" }] },
        { name: 'second', types: ['customer.updated'], to: [{ system: 'billing', transform: "{'via': 'second'}" }] },
      ]),
    );
    const { matches } = await sut.match(envelope('customer.updated', 'sales', { id: 'C-1' }));
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ destination: 'billing', route: 'first', routes: ['first', 'second'] });
    expect(await matches[0].transform!.evaluate(envelope('customer.updated', 'sales', { id: 'C-1' }))).toEqual({ id: 'C-1', via: 'first' });
  });

  it.each([
    ['true', "payload.status = 'active'", { status: 'active' }, ['billing']],
    ['false', "payload.status = 'active'", { status: 'closed' }, []],
    ['a missing field', "payload.status = 'active'", {}, []],
    ['a non-empty string (JSONata truthiness)', 'payload.status', { status: 'x' }, ['billing']],
  ])('should apply a `when` condition that is %s', async (_case, when, payload, expected) => {
    const { table: sut } = RouteTable.compile(routes([{ name: 'active', types: ['customer.updated'], when, to: ['billing'] }]));
    expect(await destinations(sut, envelope('customer.updated', 'sales', payload))).toEqual(expected);
  });

  it('should count a condition that fails at run time as no match and report it', async () => {
    const { table: sut } = RouteTable.compile(
      routes([
        { name: 'broken', types: ['customer.updated'], when: '$number(payload.name) > 1', to: ['billing'] },
        { name: 'fine', types: ['customer.updated'], to: ['archive'] },
      ]),
    );
    const result = await sut.match(envelope('customer.updated', 'sales', { name: 'Acme' }));
    expect(result.matches.map((m) => m.destination)).toEqual(['archive']);
    expect(result.conditionErrors).toEqual([{ route: 'broken', message: expect.stringContaining('D3030') }]);
  });

  it('should report expression syntax errors with their path at compile time', () => {
    const { problems } = RouteTable.compile(routes([{ name: 'bad', types: ['a'], when: 'payload.(', to: [{ system: 'x', transform: '{' }] }]));
    expect(problems.map((p) => p.path)).toEqual(['routes[0].when', 'routes[0].to[0].transform']);
    expect(problems[0].message).toMatch(/is not a valid JSONata expression/);
  });

  it('should never route a message back to its source unless the route names that source in `from`', async () => {
    const { table: sut } = RouteTable.compile(
      routes([
        { name: 'broadcast', types: ['customer.updated'], to: ['sales', 'billing'] },
        { name: 'echo', from: 'booking', types: ['booking.confirmed'], to: ['booking'] },
      ]),
    );
    expect(await destinations(sut, envelope('customer.updated', 'sales'))).toEqual(['billing']);
    expect(await destinations(sut, envelope('booking.confirmed', 'booking'))).toEqual(['booking']);
  });

  it('should return no match when nothing matches', async () => {
    const { table: sut } = RouteTable.compile(routes([{ name: 'a', types: ['a.b'], to: ['x'] }]));
    expect(await sut.match(envelope('c.d'))).toEqual({ matches: [], conditionErrors: [] });
  });

  it('should keep the transform of a route for a destination reachable by name', () => {
    const { table: sut } = RouteTable.compile(routes([{ name: 'r', types: ['a'], to: ['x', { system: 'y', transform: 'payload' }] }]));
    expect(sut.transformFor('r', 'y')?.source).toBe('payload');
    expect(sut.transformFor('r', 'x')).toBeUndefined();
    expect(sut.transformFor('other', 'y')).toBeUndefined();
  });

  it('should answer query routes by type', () => {
    const queries = [plainToInstance(QueryConfig, { type: 'billing-period.get', answeredBy: 'billing', timeoutMs: 2500 })];
    const { table: sut } = RouteTable.compile([], queries);
    expect(sut.queryRoute('billing-period.get')).toEqual({ type: 'billing-period.get', answeredBy: 'billing', timeoutMs: 2500 });
    expect(sut.queryRoute('contract.get')).toBeUndefined();
  });

  it('should route correctly among 1,000 routes of exact types, patterns and sources', async () => {
    const many = routes(
      Array.from({ length: 1000 }, (_, i) =>
        i % 10 === 0
          ? { name: `p${i}`, from: `s${i % 7}`, types: [`t${i}.*`], to: [`d${i}`] }
          : { name: `e${i}`, from: i % 2 ? `s${i % 7}` : undefined, types: [`t${i}.x`], to: [`d${i}`] },
      ),
    );
    const { table: sut, problems } = RouteTable.compile(many);
    expect(problems).toEqual([]);
    for (let i = 0; i < 1000; i++) {
      const from = `s${i % 7}`;
      expect(await destinations(sut, envelope(`t${i}.x`, from))).toEqual([`d${i}`]);
      const other = `s${(i + 1) % 7}`;
      const expected = i % 10 === 0 || i % 2 ? [] : [`d${i}`];
      expect(await destinations(sut, envelope(`t${i}.x`, other))).toEqual(expected);
    }
    expect(await destinations(sut, envelope('t5.y', 's5'))).toEqual([]);
  });
});
