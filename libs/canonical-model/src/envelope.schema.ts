import { IsDefined, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IsId, IsTimestamp } from './common/field.decorators';
import type { CanonicalEnvelope } from './envelope';

/**
 * The envelope's own fields as a class, for validation and JSON Schema; the payload is checked
 * separately against its type's class. Mirrors {@link CanonicalEnvelope}.
 */
export class EnvelopeFields implements Omit<CanonicalEnvelope, 'payload'> {
  @IsId() id!: string;
  @IsString() @MaxLength(100) type!: string;
  @IsInt() @Min(1) schemaVersion!: number;
  @IsId() source!: string;
  @IsId() correlationId!: string;
  @IsOptional() @IsId() causationId?: string;
  @IsTimestamp() occurredAt!: string;
  @IsOptional() @IsId() nativeId?: string;
  @IsOptional() @IsString() @MaxLength(200) configVersion?: string;
  @IsDefined() payload!: unknown;
}
