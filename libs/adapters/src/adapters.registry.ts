import type { AdapterDefinition } from './adapter';
import { fileAdapter } from './file/file.adapter';
import { httpAdapter } from './http/http.adapter';
import { printerAdapter } from './printer/printer.adapter';
import { smtpAdapter } from './smtp/smtp.adapter';

/** Every installed adapter kind, in one place grep can find. `adapter:` in bus.yaml names one of these ids. */
export const ADAPTERS: readonly AdapterDefinition<any, any>[] = [fileAdapter, httpAdapter, printerAdapter, smtpAdapter];

export const findAdapter = (id: string) => ADAPTERS.find((a) => a.id === id);
