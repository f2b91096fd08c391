import type { Codec } from './codec';
import { csvCodec } from './csv.codec';
import { jsonCodec } from './json.codec';
import { xmlCodec } from './xml.codec';

export type { Codec } from './codec';
export { CODEC_OPTIONS, CsvCodecOptionsConfig, JsonCodecOptionsConfig, validateCodecOptions, XmlCodecOptionsConfig } from './codec-options';

/** Every installed codec; `codec:` in bus.yaml names one of these ids. */
export const CODECS: readonly Codec[] = [jsonCodec, xmlCodec, csvCodec];

export const findCodec = (id: string): Codec | undefined => CODECS.find((c) => c.id === id);
