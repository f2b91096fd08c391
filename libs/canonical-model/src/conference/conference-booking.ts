// class-transformer's @Type reads design-type metadata through the reflect-metadata polyfill.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsEmail, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsId, IsText, IsTimestamp } from '../common/field.decorators';

/** Someone invited to a conference. */
export class ConferenceParticipant {
  @IsText(300) name!: string;
  @IsOptional() @IsEmail() @MaxLength(254) email?: string;
}

/** How participants dial in; every option is optional and the bridge applies its defaults. */
export class DialInOptions {
  /** Participant PIN, 4–12 digits. */
  @IsOptional() @IsString() @Matches(/^\d{4,12}$/, { message: '$property must be 4 to 12 digits' }) pin?: string;
  /** Moderator PIN, 4–12 digits. */
  @IsOptional() @IsString() @Matches(/^\d{4,12}$/, { message: '$property must be 4 to 12 digits' }) moderatorPin?: string;
  @IsOptional() @IsBoolean() recording?: boolean;
  /** Announce joining participants by name. */
  @IsOptional() @IsBoolean() announceJoin?: boolean;
  /** Conference language for prompts, e.g. `de` or `en`. */
  @IsOptional() @IsString() @Matches(/^[a-z]{2}(-[A-Z]{2})?$/, { message: '$property must be a language tag such as de or en-GB' })
  language?: string;
}

/**
 * A conference reserved at the booking desk, to be provisioned on the bridge.
 *
 * @example
 * { bookingId: 'BK-2026-0042', customerId: '001Dm0000000001wtn', title: 'Board call',
 *   startsAt: '2026-12-03T14:00:00Z', durationMinutes: 60,
 *   participants: [{ name: 'Ada Lovelace', email: 'ada@acme.example' }], dialIn: { pin: '4711', recording: false } }
 */
export class ConferenceBooking {
  @IsId() bookingId!: string;
  @IsId() customerId!: string;
  @IsText(300) title!: string;
  @IsTimestamp() startsAt!: string;
  /** Booked length; a day at most. */
  @IsInt() @Min(1) @Max(1440) durationMinutes!: number;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => ConferenceParticipant) participants!: ConferenceParticipant[];
  @IsOptional() @ValidateNested() @Type(() => DialInOptions) dialIn?: DialInOptions;
}
