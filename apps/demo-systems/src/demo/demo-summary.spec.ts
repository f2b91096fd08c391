import { countsOf, summaryTable } from './demo-summary';

const METRICS = `# HELP bus_messages_received_total x
# TYPE bus_messages_received_total counter
bus_messages_received_total{system="sales",type="customer.created"} 2
bus_messages_received_total{system="billing",type="invoice.issued"} 1
bus_messages_delivered_total{system="billing",type="customer.created"} 2
bus_delivery_attempts_failed_total{system="billing",type="customer.created"} 3
bus_messages_dead_total{system="billing",type="customer.created"} 1
bus_messages_retried_total{system="billing",type="customer.created"} 1
`;

describe(countsOf.name, () => {
  it('should sum every series of each counter', () => {
    expect(countsOf(METRICS)).toEqual({ messages: 3, deliveries: 2, failedAttempts: 3, deadLetters: 1 });
  });
});

describe(summaryTable.name, () => {
  it('should print one row per scenario with the differences, retries without the dead letters\' last attempts', () => {
    const zero = { messages: 0, deliveries: 0, failedAttempts: 0, deadLetters: 0 };
    const sut = summaryTable([{ scenario: '1 sales <-> billing', before: zero, after: countsOf(METRICS) }]);
    expect(sut.split('\n')).toEqual([
      'scenario             messages  deliveries  retries  dead letters',
      '-------------------  --------  ----------  -------  ------------',
      '1 sales <-> billing         3           2        2             1',
    ]);
  });
});
