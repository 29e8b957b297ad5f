/** Capabilities in words (RFC 2449 §6, RFC 6856), for the report of `pop3kit info`. */

function duration(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds >= 3600 && seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds >= 120 && seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

/** One capability in words, e.g. EXPIRE 30 -> "messages are kept 30 days". */
export function describeCapability(name: string, args: readonly string[]): string {
  const perUser =
    args[1]?.toUpperCase() === 'USER' ? ' by default (each user may differ: log in to see yours)' : '';
  const first = args[0] ?? '';
  switch (name) {
    case 'CAPA':
      return 'lists its capabilities';
    case 'TOP':
      return 'headers can be read without the body (TOP)';
    case 'UIDL':
      return 'unique message ids: only new mail needs fetching';
    case 'USER':
      return 'login with USER/PASS';
    case 'SASL':
      return `SASL login: ${args.join(' ')}`;
    case 'STLS':
      return 'TLS can be started on this connection (STLS)';
    case 'PIPELINING':
      return 'commands can be pipelined (fast bulk retrieval)';
    case 'RESP-CODES':
      return 'extended response codes such as [IN-USE] and [LOGIN-DELAY]';
    case 'AUTH-RESP-CODE':
      return 'tells a wrong password ([AUTH]) from a temporary failure';
    case 'UTF8':
      return args.some((a) => a.toUpperCase() === 'USER')
        ? 'UTF-8 mail (RFC 6856), and UTF-8 user names and passwords'
        : 'UTF-8 mail (RFC 6856)';
    case 'LANG':
      return 'server messages in other languages (LANG)';
    case 'IMPLEMENTATION':
      return `server software: ${args.join(' ')}`;
    case 'EXPIRE': {
      if (first.toUpperCase() === 'NEVER') return `messages are kept until deleted${perUser}`;
      const days = Number(first);
      if (!/^[0-9]+$/.test(first)) return `EXPIRE ${args.join(' ')}`;
      if (days === 0)
        return `messages are deleted once retrieved: mail cannot be left on the server${perUser}`;
      return `messages are kept ${days} day${days === 1 ? '' : 's'}${perUser}`;
    }
    case 'LOGIN-DELAY': {
      if (!/^[0-9]+$/.test(first)) return `LOGIN-DELAY ${args.join(' ')}`;
      return `at least ${duration(Number(first))} between logins${perUser}`;
    }
    default:
      return args.join(' ');
  }
}
