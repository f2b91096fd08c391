/**
 * Native bytes <-> plain JS values. One codec per wire format; codecs know nothing of business data.
 * `decode` throws CodecError naming the line/column or reason.
 */
export interface Codec {
  /** `json`, `xml`, `csv`: the value of `codec:` in bus.yaml. */
  id: string;
  /** MIME types accepted on ingress; the first is used when encoding. */
  contentTypes: readonly string[];
  decode(body: Buffer, options?: Record<string, unknown>): unknown;
  encode(value: unknown, options?: Record<string, unknown>): Buffer;
}
