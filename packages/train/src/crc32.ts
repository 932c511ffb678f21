// CRC-32 (IEEE 802.3, as in zlib and PNG): the checksum of a checkpoint file and of PNG chunks.

const TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** Continues a CRC-32 over `bytes` from `crc` (0 to start); `crc32(ab) = crc32(b, crc32(a))`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = crc ^ 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
