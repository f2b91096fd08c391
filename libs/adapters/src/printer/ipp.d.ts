// ipp@1.1.0 ships no types; this covers the small part the printer client uses.
declare module 'ipp' {
  interface IppResponse {
    version: string;
    statusCode: string;
    id: number;
    'operation-attributes-tag'?: Record<string, unknown>;
    'job-attributes-tag'?: Record<string, unknown>;
    'printer-attributes-tag'?: Record<string, unknown>;
    [group: string]: unknown;
  }
  interface IppPrinter {
    execute(operation: string, message: Record<string, unknown>, callback: (error: Error | null, response: IppResponse) => void): void;
  }
  function Printer(url: string, options?: { version?: string; uri?: string; charset?: string; language?: string }): IppPrinter;
}
