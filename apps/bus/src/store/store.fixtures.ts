import { randomUUID } from 'node:crypto';
import type { CanonicalEnvelope } from '@bus/canonical-model';
import type { Hop, JournalMessageInput } from './store.types';

/** Test data for the store contract suite. */
export function uid(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function envelope(id: string, over: Partial<CanonicalEnvelope> = {}): CanonicalEnvelope {
  return { id, type: 'customer.updated', schemaVersion: 1, source: 'sales', correlationId: id, occurredAt: '2026-11-28T09:00:00.000Z', payload: { customerId: 'C-1' }, ...over };
}

export function message(over: Partial<JournalMessageInput> = {}): JournalMessageInput {
  const id = over.id ?? uid('msg');
  return {
    id, type: 'customer.updated', source: 'sales', correlationId: id, receivedAt: new Date().toISOString(), initialStatus: 'accepted',
    routes: [{ route: 'customers-to-billing', destination: 'billing' }], canonical: envelope(id), ...over,
  };
}

export function hop(kind: Hop['kind'], at = new Date().toISOString(), over: Partial<Hop> = {}): Hop {
  return { at, kind, destination: 'billing', ...over };
}

