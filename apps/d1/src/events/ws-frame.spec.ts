import { TextFrame } from './ws-frame';

describe('TextFrame', () => {
  const header = (n: number): number[] => [
    ...TextFrame.ofBuffer(Buffer.alloc(n, 0x61)).bytes.subarray(0, 10),
  ];

  it('uses the 7-bit length up to 125 bytes, 16-bit up to 65535, 64-bit beyond', () => {
    expect(header(0).slice(0, 2)).toEqual([0x81, 0]);
    expect(header(125).slice(0, 2)).toEqual([0x81, 125]);
    expect(header(126).slice(0, 4)).toEqual([0x81, 126, 0, 126]);
    expect(header(65535).slice(0, 4)).toEqual([0x81, 126, 0xff, 0xff]);
    expect(header(65536)).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('holds the UTF-8 payload right after the header, and exposes it as a view', () => {
    const frame = TextFrame.ofText('{"m":"é"}');
    expect(frame.payload.toString()).toBe('{"m":"é"}');
    expect(frame.bytes.length).toBe(2 + Buffer.byteLength('{"m":"é"}'));
    expect(frame.payload.buffer).toBe(frame.bytes.buffer);
    expect(frame.bytes[1]).toBe(frame.payload.length);
  });
});
