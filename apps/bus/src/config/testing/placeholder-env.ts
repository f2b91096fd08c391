/**
 * For specs that load a real config file: a value for every `${VAR}` the file references,
 * shaped after the name (`*_IPP_URL` an IPP printer, `*_URL` a loopback URL, `*HOST` a loopback
 * address, `*_PORT` a port number, everything else a plain word), so the
 * file's structure is checked without anyone's secrets.
 */
export function placeholderEnv(yamlText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name] of yamlText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    env[name] = /IPP_URL$/.test(name)
      ? 'ipp://127.0.0.1:631/printers/bus-pdf'
      : /_URL$/.test(name)
        ? 'http://127.0.0.1:9'
        : /HOST$/.test(name)
          ? '127.0.0.1'
          : /_PORT$/.test(name)
            ? '2526'
            : `placeholder-${name.toLowerCase()}`;
  }
  return env;
}
