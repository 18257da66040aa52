/**
 * The Dutch citizen service number (burgerservicenummer, BSN).
 */

const NINE_DIGITS = /^[0-9]{9}$/;

/**
 * True when `bsn` is a BSN: exactly nine ASCII digits, not all zero, passing the elfproef
 * 9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 + 2·d8 − 1·d9 ≡ 0 (mod 11).
 *
 * A BSN is always written with nine digits; numbers issued with eight digits carry a leading
 * zero. An eight-digit value is therefore rejected rather than padded: padding a value that lost
 * a digit elsewhere would pass the elfproef one time in eleven. Spaces and dots are not stripped.
 */
export function isValidBsn(bsn: unknown): bsn is string {
  if (typeof bsn !== 'string' || !NINE_DIGITS.test(bsn) || bsn === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(bsn[i]);
  sum -= Number(bsn[8]);
  return sum % 11 === 0;
}
