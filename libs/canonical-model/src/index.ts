export * from './envelope';
export * from './bus-headers';
export * from './error-codes';
