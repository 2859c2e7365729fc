/** The WebSocket Origin policy on its own: own origin, no Origin, allowed ones; nothing else. */
import { describe, expect, it } from 'vitest';
import { originAllowed } from '../../src/graphql/websocket.js';

const request = (headers: Record<string, string>) => ({ headers });

describe('originAllowed', () => {
  it('lets in clients without Origin and pages of the server itself (host and port as in Host)', () => {
    expect(originAllowed(request({ host: 'localhost:4000' }))).toBe(true);
    expect(originAllowed(request({ host: 'localhost:4000', origin: 'http://localhost:4000' }))).toBe(true);
    expect(originAllowed(request({ host: 'Sampler.Example', origin: 'https://sampler.example:443' }))).toBe(true);
  });

  it('refuses other origins, other ports, look-alikes and null', () => {
    for (const origin of ['https://evil.example', 'http://localhost:4001', 'http://localhost:4000.evil.example', 'null', 'not a url']) {
      expect(originAllowed(request({ host: 'localhost:4000', origin })), origin).toBe(false);
    }
  });

  it('lets in allowed origins, or any with *', () => {
    expect(originAllowed(request({ host: 'localhost:4000', origin: 'https://app.example' }), { allowedOrigins: ['https://app.example'] })).toBe(true);
    expect(originAllowed(request({ host: 'localhost:4000', origin: 'https://other.example' }), { allowedOrigins: ['https://app.example'] })).toBe(false);
    expect(originAllowed(request({ host: 'localhost:4000', origin: 'null' }), { allowedOrigins: ['*'] })).toBe(true);
  });
});
