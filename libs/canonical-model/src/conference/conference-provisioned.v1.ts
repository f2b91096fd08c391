import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsId, IsTimestamp } from '../common/field.decorators';

/**
 * Payload of `conference.provisioned` v1: the bridge has set up a booked conference; links the
 * bridge's conference id to the booking.
 */
export class ConferenceProvisionedV1 {
  @IsId() bookingId!: string;
  /** The bridge's own id for the conference (its CDRs carry it). */
  @IsId() conferenceId!: string;
  @IsId() customerId!: string;
  /** Number participants dial, e.g. `+49 30 1234567`. */
  @IsOptional() @IsString() @MaxLength(40) @Matches(/^[+0-9 ()\/-]{3,40}$/, { message: '$property must be a phone number' })
  dialInNumber?: string;
  @IsOptional() @IsTimestamp() provisionedAt?: string;
}
