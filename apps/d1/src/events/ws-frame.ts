/**
 * A websocket text message framed as a server sends it: FIN, opcode 1, unmasked (RFC 6455 §5.2). Server
 * frames carry no mask, so the bytes are the same for every client: a broadcast frames a message once and
 * writes that one Buffer to each client's socket, instead of `ws` building a header per client.
 */
export class TextFrame {
  /** The whole frame: header, then payload. */
  readonly bytes: Buffer;
  /** The payload alone (a view into `bytes`), for a client `ws` must frame itself. */
  readonly payload: Buffer;

  private constructor(payloadLength: number) {
    const header = headerLength(payloadLength);
    this.bytes = Buffer.allocUnsafe(header + payloadLength);
    writeHeader(this.bytes, payloadLength);
    this.payload = this.bytes.subarray(header);
  }

  /** Frames a string, encoded as UTF-8 straight into the frame. */
  static ofText(text: string): TextFrame {
    const frame = new TextFrame(Buffer.byteLength(text));
    frame.payload.write(text);
    return frame;
  }

  /** Frames an encoded payload (copied once, after the header). */
  static ofBuffer(data: Buffer): TextFrame {
    const frame = new TextFrame(data.length);
    data.copy(frame.payload);
    return frame;
  }
}

/** 2 bytes up to 125, 4 with a 16-bit length up to 65535, else 10 with a 64-bit length. */
function headerLength(payloadLength: number): number {
  if (payloadLength < 126) return 2;
  return payloadLength < 65536 ? 4 : 10;
}

function writeHeader(target: Buffer, payloadLength: number): void {
  target[0] = 0x81; // FIN + text
  if (payloadLength < 126) {
    target[1] = payloadLength;
  } else if (payloadLength < 65536) {
    target[1] = 126;
    target.writeUInt16BE(payloadLength, 2);
  } else {
    target[1] = 127;
    target.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
    target.writeUInt32BE(payloadLength >>> 0, 6);
  }
}
