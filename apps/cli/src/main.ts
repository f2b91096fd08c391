#!/usr/bin/env node
import 'reflect-metadata';
import { run } from './cli';

run(process.argv.slice(2)).then(
  ({ exitCode, output }) => {
    process.stdout.write(output);
    process.exitCode = exitCode;
  },
  (err: Error) => {
    process.stderr.write(`bpi-bus: ${err.stack ?? err.message}\n`);
    process.exitCode = 70;
  },
);
