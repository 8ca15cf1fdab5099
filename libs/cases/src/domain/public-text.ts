/**
 * Public notes are read by anyone: ID-card numbers and mobile phone numbers written into them are
 * masked before they are shown (names cannot be recognised reliably and are the writer's duty; the
 * note form says so). The stored text is unchanged, for those who see the case whole.
 */
const ID_NUMBER = /\b(\d{4})\d{10}(\d{3}[\dXx])\b/g;
const MOBILE = /\b(1[3-9]\d)\d{4}(\d{4})\b/g;

export function maskPublicText(text: string): string {
  return text.replace(ID_NUMBER, '$1**********$2').replace(MOBILE, '$1****$2');
}
