import { Type } from 'class-transformer';
import { Secret } from '../secret';
import { IsBoolean, IsEmail, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';

/** SMTP login; write both values as `${ENV_VAR}` in bus.yaml, never inline. */
export class SmtpAuthConfig {
  @IsString() @IsNotEmpty() user!: string;
  @Secret() @IsString() @IsNotEmpty() pass!: string;
}

/** Outbound settings of one `adapter: smtp` system. */
export class SmtpOutboundConfig {
  /** Relay host name, e.g. `smtp.example.com` or `127.0.0.1`. */
  @IsString() @IsNotEmpty() host!: string;
  /** @default 587; a `${VAR}` value is read as a number. */
  @Type(() => Number) @IsInt() @Min(1) @Max(65535) port: number = 587;
  /** true = TLS from the first byte (port 465); false = STARTTLS when the server offers it. @default false */
  @IsBoolean() secure: boolean = false;
  @IsOptional() @ValidateNested() @Type(() => SmtpAuthConfig) auth?: SmtpAuthConfig;
  /** Envelope and header sender, e.g. `letters@example.com`; also the domain of generated Message-IDs. */
  @IsEmail({ require_tld: false }) from!: string;
  /** Display name for `From:`, e.g. `Acme Customer Service`. */
  @IsOptional() @IsString() fromName?: string;
  /** Pooled connections kept open to the relay. @default 2 */
  @IsInt() @Min(1) @Max(20) maxConnections: number = 2;
  /** Connection, greeting and socket timeout in ms. @default 15000 */
  @IsInt() @Min(100) timeoutMs: number = 15000;
  /** Accept a self-signed relay certificate (test relays only). @default false */
  @IsBoolean() allowSelfSigned: boolean = false;
}
