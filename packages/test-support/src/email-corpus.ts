/**
 * Addresses that look alike, or that one email rule or another has taken for valid: unicode,
 * lookalikes, quoted local parts, IDN domains, letter case and whitespace. Whatever the service
 * accepts of them it must accept through both doors alike, and it must never let two different
 * addresses share one account.
 */
export const EMAIL_CORPUS: readonly string[] = [
  "kate@example.com",
  "Kate@Example.com",
  "KATE@EXAMPLE.COM",
  "  kate@example.com  ",
  "\tkate@example.com\r\n",
  // No-break space and ideographic space: whitespace to String.prototype.trim, which both doors use.
  "\u00A0kate@example.com",
  "kate@example.com\u3000",
  // Lookalikes of kate@example.com: Kelvin sign, fullwidth letters, Cyrillic "е", zero-width space.
  "\u212Aate@example.com",
  "\uFF4Bate@example.com",
  "\uFF4B\uFF41\uFF54\uFF45@\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.\uFF43\uFF4F\uFF4D",
  "kate@exampl\u0435.com",
  "kate\u200B@example.com",
  // Dotless and dotted i: "İ".toLowerCase() is "i̇", "ı".toUpperCase() is "I".
  "diana@example.com",
  "d\u0131ana@example.com",
  "D\u0130ANA@example.com",
  "ada@ex\u0131mple.com",
  // ß is "SS" in upper case; é precomposed and composed.
  "strasse@example.com",
  "stra\u00DFe@example.com",
  "STRA\u00DFE@example.com",
  "ren\u00E9@example.com",
  "rene\u0301@example.com",
  "\u00E4d\u00E4@ex\u00E4mple.com",
  // IDN domains: the punycode form of exämple.com, in both cases.
  "ada@xn--exmple-cua.com",
  "Ada@XN--EXMPLE-CUA.COM",
  "ada@ex\u00E4mple.com",
  // Quoted local parts, comments, address literals.
  '"ada"@example.com',
  '"a b"@example.com',
  '"kate@example.com"@example.com',
  "ada(comment)@example.com",
  "ada@[127.0.0.1]",
  // Characters of RFC 5322's atext, which Okta supports, and some that it does not.
  "a{b}@example.com",
  "A{B}@example.com",
  "o'brien@example.com",
  "ada+tag@example.com",
  "a/b@example.com",
  "a!#$%&*=?^_`|~-@example.com",
  "a<b>@example.com",
  "a\\b@example.com",
  "a,b@example.com",
  // Dots, hyphens, labels and lengths.
  ".ada@example.com",
  "ada.@example.com",
  "a..da@example.com",
  "ada.lovelace@example.co.uk",
  "ada@example",
  "ada@localhost",
  "ada@example.c",
  "ada@example.com.",
  "ada@-example.com",
  "ada@example-.com",
  "ada@ex--ample.com",
  `ada@example.${"a".repeat(20)}`,
  `ada@example.${"a".repeat(21)}`,
  `${"a".repeat(64)}@example.com`,
  `${"a".repeat(65)}@example.com`,
  `ada@${"a".repeat(63)}.com`,
  `ada@${"a".repeat(64)}.com`,
  // Not an address at all.
  "",
  " ",
  "ada",
  "@example.com",
  "ada@",
  "ada@@example.com",
  "ada@ex ample.com",
  "ada\u0000@example.com",
  "ada\r\n@example.com",
];
