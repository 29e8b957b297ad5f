/** PostgreSQL archive URLs as printed or recorded as a location: without their password. */

/** A connection URL fit to print or record: the password, if any, left out. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:?#]*):[^/@]*@/i, '$1@');
}
