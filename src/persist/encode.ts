// SaveContent -> bytes, in the format of format.ts. Pure: it reads only the content it is given
// (captureGame in game-save.ts builds that from a declared store).

import { ByteWriter, crc32 } from './bytes.js';
import { writeColumn } from './columns.js';
import {
  AXIS_CODE, FIELD_TYPE_CODE, FILE_HEADER_BYTES, FORMAT_VERSION, PROPERTY_TYPE_CODE, SAVE_MAGIC, SECTION,
  type SaveContent, type SaveProperty,
} from './format.js';
import { InvalidArgumentError } from '../core/errors.js';

function writeProperties(w: ByteWriter, list: readonly SaveProperty[]): void {
  w.u16(list.length);
  for (const p of list) {
    w.str(p.name);
    w.u8(PROPERTY_TYPE_CODE[p.type]);
    switch (p.type) {
      case 'u32':
        w.u32(p.value);
        break;
      case 'i32':
        w.i32(p.value);
        break;
      case 'f64':
        w.f64(p.value);
        break;
      case 'str':
        w.str(p.value);
        break;
    }
  }
}

/** Writes a section: its id, a length filled in afterwards, and what `body` writes. */
function section(w: ByteWriter, id: string, body: () => void): void {
  for (let i = 0; i < 4; i++) w.u8(id.charCodeAt(i));
  const at = w.length;
  w.u32(0);
  body();
  w.u32At(at, w.length - at - 4);
}

function checkContent(c: SaveContent): void {
  const a = c.allocator;
  if (a.generations.length < a.highWater) throw new InvalidArgumentError(`generations: ${a.generations.length} for a high water of ${a.highWater}`);
  if (c.fields.length > 0xffff || c.meta.length > 0xffff || c.header.length > 0xffff) throw new InvalidArgumentError('more than 65535 fields or properties');
  for (const k of c.kinds) {
    if (k.columns.length !== c.fields.length) throw new InvalidArgumentError(`kind ${k.name}: ${k.columns.length} columns for ${c.fields.length} fields`);
    for (const col of k.columns) if (col.length < k.slots.length) throw new InvalidArgumentError(`kind ${k.name}: a column shorter than its ${k.slots.length} slots`);
  }
}

/** Encodes `content` as one save file (header, sections, CRC-32). */
export function encodeSave(content: SaveContent, sizeHint = 1 << 20): Uint8Array {
  checkContent(content);
  const w = new ByteWriter(sizeHint);
  w.u32(SAVE_MAGIC);
  w.u16(FORMAT_VERSION);
  w.u16(0);
  w.u32(0); // body bytes
  w.u32(0); // CRC-32
  section(w, SECTION.meta, () => writeProperties(w, content.meta));
  section(w, SECTION.head, () => writeProperties(w, content.header));
  section(w, SECTION.fields, () => {
    w.u16(content.fields.length);
    for (const f of content.fields) {
      w.str(f.name);
      w.u8(FIELD_TYPE_CODE[f.type]);
      w.u8(f.axis ? AXIS_CODE[f.axis] : 0);
      w.str(f.unit ?? '');
    }
  });
  section(w, SECTION.allocator, () => {
    const a = content.allocator;
    w.u32(a.capacity);
    w.u32(a.highWater);
    w.u32(a.freeStack.length);
    writeColumn(w, a.freeStack, a.freeStack.length);
    writeColumn(w, a.generations, a.highWater);
  });
  for (const kind of content.kinds) {
    section(w, SECTION.kind, () => {
      w.str(kind.name);
      w.u32(kind.flag);
      w.u32(kind.slots.length);
      writeColumn(w, kind.slots, kind.slots.length);
      for (const col of kind.columns) writeColumn(w, col, kind.slots.length);
    });
  }
  const bytes = w.finish();
  const body = bytes.subarray(FILE_HEADER_BYTES);
  w.u32At(8, body.byteLength);
  w.u32At(12, crc32(body));
  return bytes;
}
