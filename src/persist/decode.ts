// Bytes -> SaveContent, checking everything the format itself promises, in this order: length,
// magic, version, exact length, CRC-32 of the body, then every section, name, type code, column
// and count. Whether the values fit a particular world is restore.ts's job. Throws
// InvalidSaveError with the reason; never anything else for any input bytes.

import { MAX_ENTITIES } from '../core/entity-id.js';
import { ByteReader, crc32 } from './bytes.js';
import { readColumn } from './columns.js';
import { InvalidSaveError } from './errors.js';
import {
  AXIS_OF_CODE, FIELD_TYPE_OF_CODE, FILE_HEADER_BYTES, FORMAT_VERSION, PROPERTY_TYPE_OF_CODE, SAVE_MAGIC, SECTION,
  type SaveContent, type SavedAllocator, type SavedField, type SavedKind, type SaveProperty,
} from './format.js';

function layout(message: string): InvalidSaveError {
  return new InvalidSaveError('layout', message);
}

function readProperties(r: ByteReader, what: string): SaveProperty[] {
  const n = r.u16();
  const out: SaveProperty[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = r.str();
    if (seen.has(name)) throw layout(`${what}: property "${name}" appears twice`);
    seen.add(name);
    const code = r.u8();
    const type = PROPERTY_TYPE_OF_CODE[code];
    if (type === undefined) throw layout(`${what}: property "${name}" has unknown type ${code}`);
    if (type === 'str') out.push({ name, type, value: r.str() });
    else out.push({ name, type, value: type === 'u32' ? r.u32() : type === 'i32' ? r.i32() : r.f64() });
  }
  return out;
}

/** Fields a save may describe (the world has at most 32 columns): bounds what a forged save can make us allocate. */
export const MAX_SAVED_FIELDS = 256;

function readFields(r: ByteReader): SavedField[] {
  const n = r.u16();
  if (n > MAX_SAVED_FIELDS) throw layout(`${n} fields, more than ${MAX_SAVED_FIELDS}`);
  const out: SavedField[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = r.str();
    if (name === '' || seen.has(name)) throw layout(`field ${i}: name "${name}" is empty or repeated`);
    seen.add(name);
    const typeCode = r.u8();
    const type = FIELD_TYPE_OF_CODE[typeCode];
    if (type === undefined) throw layout(`field ${name}: unknown type ${typeCode}`);
    const axisCode = r.u8();
    if (axisCode >= AXIS_OF_CODE.length) throw layout(`field ${name}: unknown axis ${axisCode}`);
    const axis = AXIS_OF_CODE[axisCode];
    const unit = r.str();
    out.push({ name, type, ...(axis ? { axis } : {}), ...(unit ? { unit } : {}) });
  }
  return out;
}

function count(r: ByteReader, what: string): number {
  const n = r.u32();
  if (n > MAX_ENTITIES) throw layout(`${what} is ${n}, more than an entity id can address (${MAX_ENTITIES})`);
  return n;
}

function readAllocator(r: ByteReader): SavedAllocator {
  const capacity = count(r, 'capacity');
  const highWater = count(r, 'high water');
  const free = count(r, 'free count');
  if (highWater > capacity || free > highWater) throw layout(`allocator: high water ${highWater}, free ${free}, capacity ${capacity} do not nest`);
  const freeStack = readColumn(r, free, 'free stack');
  const generations = readColumn(r, highWater, 'generations');
  return { capacity, highWater, freeStack, generations };
}

function readKind(r: ByteReader, fields: readonly SavedField[], room: number): SavedKind {
  const name = r.str();
  if (name === '') throw layout('a kind without a name');
  const flag = r.u32();
  const n = count(r, `kind ${name}: count`);
  // Every entity holds a slot below the high water, so the kinds together hold at most that many.
  if (n > room) throw layout(`kind ${name}: ${n} entities, but only ${room} slots below the high water are left`);
  const slots = readColumn(r, n, `kind ${name}: slots`);
  const columns = fields.map((f) => readColumn(r, n, `kind ${name}: field ${f.name}`));
  return { name, flag, slots, columns };
}

/** Decodes and checks a save; throws InvalidSaveError (with its reason) on any fault. */
export function decodeSave(bytes: Uint8Array): SaveContent {
  if (bytes.byteLength < FILE_HEADER_BYTES) throw new InvalidSaveError('truncated', `${bytes.byteLength} bytes, shorter than the ${FILE_HEADER_BYTES}-byte header`);
  const head = new DataView(bytes.buffer, bytes.byteOffset, FILE_HEADER_BYTES);
  const magic = head.getUint32(0, true);
  if (magic !== SAVE_MAGIC) throw new InvalidSaveError('magic', `starts with 0x${magic.toString(16).padStart(8, '0')}, not a Chronos save ('CSAV')`);
  const version = head.getUint16(4, true);
  if (version < 1 || version > FORMAT_VERSION) throw new InvalidSaveError('version', `format version ${version}; this build reads 1 to ${FORMAT_VERSION}`);
  const bodyBytes = head.getUint32(8, true);
  const have = bytes.byteLength - FILE_HEADER_BYTES;
  if (have < bodyBytes) throw new InvalidSaveError('truncated', `the body is ${have} bytes, the header says ${bodyBytes}`);
  if (have > bodyBytes) throw new InvalidSaveError('length', `${have - bodyBytes} bytes beyond the ${bodyBytes}-byte body`);
  const body = bytes.subarray(FILE_HEADER_BYTES);
  const want = head.getUint32(12, true);
  const got = crc32(body);
  if (got !== want) throw new InvalidSaveError('checksum', `the body's CRC-32 is 0x${got.toString(16).padStart(8, '0')}, the header says 0x${want.toString(16).padStart(8, '0')}`);

  let meta: SaveProperty[] | undefined;
  let header: SaveProperty[] | undefined;
  let fields: SavedField[] | undefined;
  let allocator: SavedAllocator | undefined;
  const kinds: SavedKind[] = [];
  const r = new ByteReader(bytes, FILE_HEADER_BYTES);
  while (r.remaining > 0) {
    r.need(8);
    const id = String.fromCharCode(r.u8(), r.u8(), r.u8(), r.u8());
    const length = r.u32();
    r.need(length);
    const end = r.pos + length;
    const s = new ByteReader(bytes, r.pos, end, `section ${id}`);
    const once = <T>(have: T | undefined, read: () => T): T => {
      if (have !== undefined) throw layout(`section ${id} appears twice`);
      return read();
    };
    switch (id) {
      case SECTION.meta:
        meta = once(meta, () => readProperties(s, 'META'));
        break;
      case SECTION.head:
        header = once(header, () => readProperties(s, 'HEAD'));
        break;
      case SECTION.fields:
        fields = once(fields, () => readFields(s));
        break;
      case SECTION.allocator:
        allocator = once(allocator, () => readAllocator(s));
        break;
      case SECTION.kind: {
        if (!fields || !allocator) throw layout('a KIND section before FLDS and ALOC');
        const kind = readKind(s, fields, allocator.highWater - kinds.reduce((n, k) => n + k.slots.length, 0));
        if (kinds.some((k) => k.name === kind.name)) throw layout(`kind ${kind.name} appears twice`);
        kinds.push(kind);
        break;
      }
      default:
        s.pos = end; // a section a later format added: skipped
    }
    if (s.pos !== end) throw layout(`section ${id}: ${end - s.pos} bytes left over`);
    r.pos = end;
  }
  if (!meta || !header || !fields || !allocator) {
    const missing = [[meta, 'META'], [header, 'HEAD'], [fields, 'FLDS'], [allocator, 'ALOC']].filter(([v]) => v === undefined).map(([, id]) => id);
    throw layout(`missing section ${missing.join(', ')}`);
  }
  return { version, meta, header, fields, allocator, kinds };
}
