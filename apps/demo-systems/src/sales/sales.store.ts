import { MonotonicClock } from '../shared/clock';
import { HttpError } from '../shared/http-kit';
import { crmTimestamp, SalesIds } from './sales.ids';
import type { Account, AccountStatusUpdate, Contract, Note } from './sales.types';
import type { ContractInput } from './sales.validation';

const attributes = (type: string, id: string) => ({ type, url: `/services/data/v59.0/sobjects/${type}/${id}` });

/** The CRM's in-memory database. Returns copies, so callers cannot change stored records by accident. */
export class SalesStore {
  private readonly accounts = new Map<string, Account>();
  private readonly contracts = new Map<string, Contract>();
  private readonly notes: Note[] = [];
  private readonly ids = new SalesIds();

  constructor(private readonly clock: MonotonicClock) {}

  listAccounts(): Account[] {
    return [...this.accounts.values()].map(clone);
  }

  getAccount(id: string): Account {
    const account = this.accounts.get(id);
    if (!account) throw new HttpError(404, `NOT_FOUND: no Account with Id ${id}`);
    return clone(account);
  }

  createAccount(fields: Record<string, string>): Account {
    const Id = this.ids.next('Account');
    const at = crmTimestamp(this.clock.now());
    const account: Account = { attributes: attributes('Account', Id), Id, Name: fields.Name, Status__c: 'Active', ...fields, CreatedDate: at, LastModifiedDate: at };
    this.accounts.set(Id, account);
    return clone(account);
  }

  /** Returns undefined when nothing changed (the CRM then sends no event either). */
  updateAccount(id: string, fields: Record<string, string>): Account | undefined {
    const account = this.accounts.get(id);
    if (!account) throw new HttpError(404, `NOT_FOUND: no Account with Id ${id}`);
    const changed = Object.entries(fields).some(([k, v]) => (account as unknown as Record<string, unknown>)[k] !== v);
    if (!changed) return undefined;
    Object.assign(account, fields, { LastModifiedDate: crmTimestamp(this.clock.now()) });
    return clone(account);
  }

  deleteAccount(id: string): void {
    if (!this.accounts.delete(id)) throw new HttpError(404, `NOT_FOUND: no Account with Id ${id}`);
    for (const c of this.contracts.values()) if (c.AccountId === id) this.contracts.delete(c.Id);
  }

  listContracts(accountId?: string): Contract[] {
    return [...this.contracts.values()].filter((c) => !accountId || c.AccountId === accountId).map(clone);
  }

  getContract(id: string): Contract {
    const contract = this.contracts.get(id);
    if (!contract) throw new HttpError(404, `NOT_FOUND: no Contract with Id ${id}`);
    return clone(contract);
  }

  createContract(input: Required<ContractInput>): Contract {
    this.getAccount(input.AccountId);
    const Id = this.ids.next('Contract');
    const at = crmTimestamp(this.clock.now());
    const contract: Contract = { attributes: attributes('Contract', Id), Id, ...input, CreatedDate: at, LastModifiedDate: at };
    this.contracts.set(Id, contract);
    return clone(contract);
  }

  /** Returns the updated contract and whether its rates changed (only that is an event for the bus). */
  updateContract(id: string, input: ContractInput): { contract: Contract; ratesChanged: boolean } {
    const contract = this.contracts.get(id);
    if (!contract) throw new HttpError(404, `NOT_FOUND: no Contract with Id ${id}`);
    if (input.AccountId !== undefined) this.getAccount(input.AccountId);
    const ratesChanged =
      (input.Rates__c !== undefined && JSON.stringify(input.Rates__c) !== JSON.stringify(contract.Rates__c)) ||
      (input.CurrencyIsoCode !== undefined && input.CurrencyIsoCode !== contract.CurrencyIsoCode);
    Object.assign(contract, input, { LastModifiedDate: crmTimestamp(this.clock.now()) });
    return { contract: clone(contract), ratesChanged };
  }

  deleteContract(id: string): void {
    if (!this.contracts.delete(id)) throw new HttpError(404, `NOT_FOUND: no Contract with Id ${id}`);
  }

  /** The contract in force: the latest StartDate, then the latest change. */
  currentContract(accountId: string): Contract {
    this.getAccount(accountId);
    const [latest] = this.listContracts(accountId).sort(
      (a, b) => b.StartDate.localeCompare(a.StartDate) || b.LastModifiedDate.localeCompare(a.LastModifiedDate),
    );
    if (!latest) throw new HttpError(404, `NOT_FOUND: Account ${accountId} has no Contract`);
    return latest;
  }

  /**
   * A billing event reported by the bus: sets the account's billing status and adds a note. Deliberately
   * not an account change that is sent back out: echoing it to the bus would loop billing -> sales -> billing.
   */
  applyStatus(update: AccountStatusUpdate): Note {
    const account = this.accounts.get(update.AccountId);
    if (!account) throw new HttpError(404, `NOT_FOUND: no Account with Id ${update.AccountId}`);
    account.Billing_Status__c = update.Billing_Status__c;
    const Id = this.ids.next('Note');
    const note: Note = {
      attributes: attributes('Note', Id),
      Id,
      ParentId: account.Id,
      Title: update.Note.Title,
      Body: update.Note.Body ?? '',
      CreatedDate: crmTimestamp(this.clock.now()),
    };
    this.notes.push(note);
    return clone(note);
  }

  notesOf(accountId: string): Note[] {
    this.getAccount(accountId);
    return this.notes.filter((n) => n.ParentId === accountId).map(clone);
  }
}

const clone = <T>(v: T): T => structuredClone(v);
