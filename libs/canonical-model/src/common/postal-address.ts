import { IsString, IsNotEmpty, MaxLength } from 'class-validator';
import { IsCountryCode, IsText } from './field.decorators';

/** A postal address as printed on a letter: one street line, postal code, city, country. */
export class PostalAddress {
  /** Street and house number, e.g. `Hauptstr. 1`. */
  @IsText(200) street!: string;
  /** Kept as a string: leading zeros matter (`01067`). */
  @IsString() @IsNotEmpty() @MaxLength(20) postalCode!: string;
  @IsText(200) city!: string;
  /** ISO 3166-1 alpha-2, upper case, e.g. `DE`. */
  @IsCountryCode() country!: string;
}
