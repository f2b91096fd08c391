import type * as amqp from 'amqplib';

/** The parts of amqplib's Connection this reaches into (amqplib 0.10-2.x: lib/connection.js, lib/mux.js). */
interface AmqplibInternals {
  connection?: { stream?: { cork?: () => void; uncork?: () => void }; muxer?: { _readIncoming?: () => void } };
}

/**
 * Makes the frames amqplib sends in one pass of its writer leave in one socket write. amqplib's muxer
 * runs once per event-loop turn and writes every frame waiting on any channel (publishes, acks, their
 * content) with a write call of its own, each a system call on an uncorked socket; corked for the pass,
 * they go out as one `writev`. The frames, their order and flow control (`write()` returning false,
 * then 'drain') are amqplib's own. Returns false, changing nothing, if amqplib's internals are not
 * where they were (a new major version): the bus then works as before, with more system calls.
 */
export function batchFrameWrites(model: amqp.ChannelModel): boolean {
  const connection = (model as unknown as AmqplibInternals).connection;
  const socket = connection?.stream;
  const muxer = connection?.muxer;
  const readIncoming = muxer?._readIncoming;
  if (!socket || typeof socket.cork !== 'function' || typeof socket.uncork !== 'function' || !muxer || typeof readIncoming !== 'function') return false;
  muxer._readIncoming = function writeCorked(this: unknown) {
    socket.cork!();
    try {
      readIncoming.call(this);
    } finally {
      socket.uncork!();
    }
  };
  return true;
}
