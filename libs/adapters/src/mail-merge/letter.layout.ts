/**
 * Where things go on an A4 letter (210 × 297 mm) for a DL window envelope, after DIN 5008 form B.
 * PDF units are points; 1 mm = 72 / 25.4 pt.
 */
export const MM = 72 / 25.4;

/** The envelope window: 20 mm from the left, 45 mm from the top, 85 × 45 mm. */
export const ADDRESS_WINDOW_MM = { left: 20, top: 45, width: 85, height: 45 } as const;

export const LETTER_LAYOUT_MM = {
  /** Text inside the window starts 5 mm in, so the envelope edge never clips it. */
  windowPadding: 5,
  /** DIN 5008: the top 17.7 mm of the window hold the return address and endorsements. */
  returnZone: 17.7,
  /** Body text column: 25 mm left margin, 20 mm right margin. */
  marginLeft: 25,
  marginRight: 20,
  /** Date line, right-aligned, level with the end of the address field. */
  dateTop: 98.46,
  /** Subject and body start below the address field (DIN 5008 form B: 98.46 mm + two lines). */
  bodyTop: 108,
  marginBottom: 25,
} as const;

export const A4_PT = { width: 595.28, height: 841.89 } as const;
