// Which addresses a TCP port listens on, read from the kernel's socket tables: a test can check
// "loopback only" without connecting to any other address of the machine.
import { readFileSync } from 'node:fs';

/** The addresses port `port` listens on (IPv4 dotted, IPv6 `::` or raw hex), from /proc/net. */
export function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', decodeIpv4],
    ['/proc/net/tcp6', decodeIpv6],
  ] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue; // 0A: LISTEN
      found.push(decode(local.split(':')[0]!));
    }
  }
  return found;
}

function decodeIpv4(hex: string): string {
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

function decodeIpv6(hex: string): string {
  if (hex === '00000000000000000000000000000000') return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return `ipv6:${hex}`;
}
