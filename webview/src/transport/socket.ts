// In a plain browser (the page the server serves at /): connect to the server's Socket.IO ourselves.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, DashboardMessage, ServerToClientEvents } from '@ringside/server/protocol';
import type { Transport } from './transport';

export type DashboardSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SocketTransportOptions {
  /** Sent as `auth: { token }` in the handshake when the server wants a key. */
  token?: string | null;
  /** For tests: how to open the socket. */
  connect?: (url: string, token: string | null) => DashboardSocket;
}

function openSocket(url: string, token: string | null): DashboardSocket {
  return io(url, token ? { auth: { token } } : {});
}

export function socketTransport(url: string, options: SocketTransportOptions = {}): Transport {
  const connect = options.connect ?? openSocket;
  return {
    start(deliver) {
      const connection = (state: 'connecting' | 'connected' | 'disconnected', error?: string): DashboardMessage =>
        error === undefined ? { type: 'connection', state, serverUrl: url } : { type: 'connection', state, serverUrl: url, error };
      deliver(connection('connecting'));
      const socket = connect(url, options.token ?? null);
      socket.on('connect', () => deliver(connection('connected')));
      socket.on('disconnect', (reason) => deliver(connection('disconnected', reason)));
      socket.on('connect_error', (error) => deliver(connection('disconnected', error.message)));
      socket.io.on('reconnect_attempt', () => deliver(connection('connecting')));
      socket.on('snapshot', (snapshot) => deliver({ type: 'snapshot', snapshot }));
      socket.on('judged', (events) => deliver({ type: 'judged', events }));
      socket.on('compliance', (update) => deliver({ type: 'compliance', update }));
      return () => {
        socket.removeAllListeners();
        socket.io.removeAllListeners();
        socket.disconnect();
      };
    },
    reportRendered() {
      // Nobody to tell in a browser tab.
    },
  };
}

/** The page may carry a key as ?token=… (e.g. a wallboard URL); it is never put in storage. */
export function tokenFromLocation(location: Location): string | null {
  return new URLSearchParams(location.search).get('token');
}
