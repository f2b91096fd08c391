import type { BusLink } from '../shared/bus-link';
import { json } from '../shared/admin.routes';
import { header, HttpError, Router, type Reply } from '../shared/http-kit';
import type { IdempotencyCache } from '../shared/idempotency';
import type { SalesStore } from './sales.store';
import type { Account, AccountStatusUpdate, Contract, SalesEvent } from './sales.types';
import { accountFields, contractFields, parseJsonObject, type ContractInput } from './sales.validation';

/** The CRM's error body: a list of `{message, errorCode}` as its REST API answers. */
export function salesError(status: number, message: string): Reply {
  const m = /^([A-Z_]+): (.*)$/s.exec(message);
  const errorCode = m ? m[1] : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST';
  return json(status, [{ message: m ? m[2] : message, errorCode }]);
}

export interface SalesDeps {
  store: SalesStore;
  bus: BusLink;
  idempotency: IdempotencyCache;
}

/** Sends the record's own JSON with `event` added; the key is what changes with every edit. */
function publish(bus: BusLink, event: SalesEvent, record: Account | Contract): void {
  bus.post(event, record.Id, `${record.Id}:${record.LastModifiedDate}`, JSON.stringify({ event, ...record }), 'application/json');
}

export function salesRoutes(router: Router, { store, bus, idempotency }: SalesDeps): Router {
  router
    .on('GET', '/accounts', () => json(200, { totalSize: store.listAccounts().length, done: true, records: store.listAccounts() }))
    .on('POST', '/accounts', (req) => {
      const account = store.createAccount(accountFields(parseJsonObject(req.body), true));
      publish(bus, 'AccountCreated', account);
      return json(201, account, { Location: `/accounts/${account.Id}` });
    })
    .on('GET', '/accounts/:id', (req) => json(200, store.getAccount(req.params.id)))
    .on('PATCH', '/accounts/:id', (req) => {
      const updated = store.updateAccount(req.params.id, accountFields(parseJsonObject(req.body), false));
      if (updated) publish(bus, 'AccountUpdated', updated);
      return json(200, updated ?? store.getAccount(req.params.id));
    })
    .on('DELETE', '/accounts/:id', (req) => {
      store.deleteAccount(req.params.id);
      return { status: 204 };
    })
    .on('GET', '/accounts/:id/notes', (req) => json(200, store.notesOf(req.params.id)))
    .on('GET', '/accounts/:id/contracts', (req) => json(200, store.listContracts(store.getAccount(req.params.id).Id)))
    // Answers the bus's contract-rates query: the contract in force, in the CRM's own JSON.
    .on('GET', '/accounts/:id/contract-rates', (req) => json(200, store.currentContract(req.params.id)))
    // Asks billing through the bus and shows its answer, mapped into the CRM's own JSON by the bus.
    .on('GET', '/accounts/:id/billing-period', async (req) => {
      store.getAccount(req.params.id);
      const answer = await bus.ask('billing-period', { customerId: req.params.id });
      return { status: answer.status, headers: { 'Content-Type': answer.contentType }, body: answer.body };
    })
    .on('GET', '/contracts', () => json(200, { totalSize: store.listContracts().length, done: true, records: store.listContracts() }))
    .on('POST', '/contracts', (req) => {
      const contract = store.createContract(contractFields(parseJsonObject(req.body), true) as Required<ContractInput>);
      // A new contract brings its rates into force: for billing that is a rate change like any other.
      publish(bus, 'ContractRatesChanged', contract);
      return json(201, contract, { Location: `/contracts/${contract.Id}` });
    })
    .on('GET', '/contracts/:id', (req) => json(200, store.getContract(req.params.id)))
    .on('PATCH', '/contracts/:id', (req) => {
      const { contract, ratesChanged } = store.updateContract(req.params.id, contractFields(parseJsonObject(req.body), false));
      if (ratesChanged) publish(bus, 'ContractRatesChanged', contract);
      return json(200, contract);
    })
    .on('DELETE', '/contracts/:id', (req) => {
      store.deleteContract(req.params.id);
      return { status: 204 };
    })
    // The bus delivers billing events here; a redelivery (same Idempotency-Key) adds no second note.
    .on('POST', '/bus/account-status', (req) =>
      idempotency.run(header(req, 'Idempotency-Key'), 'POST /bus/account-status', async () => {
        const note = store.applyStatus(statusUpdate(parseJsonObject(req.body)));
        return json(200, { id: note.Id, success: true, errors: [] });
      }),
    );
  return router;
}

function statusUpdate(input: Record<string, unknown>): AccountStatusUpdate {
  const note = input.Note as Record<string, unknown> | undefined;
  if (typeof input.AccountId !== 'string' || !input.AccountId) throw new HttpError(400, 'REQUIRED_FIELD_MISSING: AccountId');
  if (typeof input.Billing_Status__c !== 'string' || !input.Billing_Status__c) throw new HttpError(400, 'REQUIRED_FIELD_MISSING: Billing_Status__c');
  if (typeof note?.Title !== 'string' || !note.Title) throw new HttpError(400, 'REQUIRED_FIELD_MISSING: Note.Title');
  if (note.Body !== undefined && typeof note.Body !== 'string') throw new HttpError(400, 'FIELD_INTEGRITY_EXCEPTION: Note.Body must be a string');
  return { AccountId: input.AccountId, Billing_Status__c: input.Billing_Status__c, Note: { Title: note.Title, Body: note.Body as string | undefined } };
}
