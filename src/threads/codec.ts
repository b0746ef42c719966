// Codecs: how a SharedChan or a SharedMap stores its values in shared memory.
//
// Go's channels and maps hold values of one static type; across threads only bytes can be shared,
// so the element type is chosen by a codec. Three fixed-slot codecs store numbers in place
// ("int32", "float64", "bigint64", no encoding at all); four variable-size codecs store encoded
// bytes ("string" as UTF-8, "bytes" as is, "json", "structured"). Every codec checks a value
// completely before anything is written, so a value of the wrong type (TypeError) or too large for
// `maxValueBytes` (RangeError) throws at the call with nothing half-written.
//
// Runtime neutrality: the codecs use only TextEncoder/TextDecoder and JSON, except "structured",
// which needs a structured-clone serializer. No web API offers a synchronous one, so that codec uses
// Node's `v8.serialize` when the runtime provides it through `process.getBuiltinModule` (Node ≥
// 20.16), found at run time so that no `node:` module is imported; elsewhere choosing "structured"
// throws a TypeError at construction.

/** How a SharedChan or SharedMap stores values: fixed-size numeric slots, or encoded bytes. */
export type Codec = "int32" | "float64" | "bigint64" | "string" | "bytes" | "json" | "structured";

/** The codec names, in the order of their numeric ids (what a handle carries). */
export const CODECS: readonly Codec[] = [
  "int32",
  "float64",
  "bigint64",
  "string",
  "bytes",
  "json",
  "structured",
];

export const INT32 = 0;
export const FLOAT64 = 1;
export const BIGINT64 = 2;

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

/** Bytes a fixed-slot codec's value takes, or 0 for a variable-size codec. */
export function fixedBytes(id: number): number {
  return id === INT32 ? 4 : id === FLOAT64 || id === BIGINT64 ? 8 : 0;
}

/** The numeric id of a codec name; TypeError naming `what` for anything else. */
export function codecId(name: unknown, what: string): number {
  const id = CODECS.indexOf(name as Codec);
  if (id < 0) throw new TypeError(`${what} must be one of ${CODECS.join(", ")}, got ${String(name)}`);
  if (name === "structured") v8Serializer(); // fail at construction, not at the first send
  return id;
}

/** Checks a value for a fixed-slot codec; returns it as stored (a number or a bigint). */
export function checkFixed(id: number, value: unknown): number | bigint {
  if (id === BIGINT64) {
    if (typeof value !== "bigint")
      throw new TypeError(`value must be a bigint for codec bigint64, got ${kind(value)}`);
    if (value < MIN_I64 || value > MAX_I64) {
      throw new RangeError(`value ${value} is out of range for codec bigint64 (a signed 64-bit integer)`);
    }
    return value;
  }
  if (typeof value !== "number") {
    throw new TypeError(`value must be a number for codec ${CODECS[id]}, got ${kind(value)}`);
  }
  if (id === INT32 && (value | 0) !== value && !Object.is(value, -0)) {
    throw new RangeError(`value ${value} is not a 32-bit signed integer (codec int32)`);
  }
  return value;
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface V8Serializer {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

let v8: V8Serializer | null = null;

/** Node's structured-clone serializer, looked up at run time (see the header). */
function v8Serializer(): V8Serializer {
  if (v8 !== null) return v8;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod =
    typeof proc?.getBuiltinModule === "function" ? (proc.getBuiltinModule("node:v8") as V8Serializer) : null;
  if (mod === null || mod === undefined || typeof mod.serialize !== "function") {
    throw new TypeError(
      'codec "structured" needs a structured-clone serializer (Node >= 20.16); use "json" here',
    );
  }
  v8 = mod;
  return mod;
}

/**
 * Encodes `value` for a variable-size codec into bytes of at most `max`. The returned array may be
 * a scratch buffer reused by the next call: copy it before encoding again.
 */
export function encodeVar(id: number, value: unknown, max: number): Uint8Array {
  let bytes: Uint8Array;
  switch (CODECS[id]) {
    case "string":
      if (typeof value !== "string")
        throw new TypeError(`value must be a string for codec string, got ${kind(value)}`);
      return encodeString(value, max);
    case "bytes":
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(`value must be a Uint8Array for codec bytes, got ${kind(value)}`);
      }
      bytes = value;
      break;
    case "json": {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (e) {
        throw new TypeError(`value cannot be encoded as JSON: ${(e as Error).message}`);
      }
      if (text === undefined) throw new TypeError(`value cannot be encoded as JSON: ${kind(value)}`);
      return encodeString(text, max);
    }
    default:
      try {
        bytes = v8Serializer().serialize(value);
      } catch (e) {
        throw new TypeError(`value cannot be structured-cloned: ${(e as Error).message}`);
      }
  }
  if (bytes.length > max) throw tooLarge(bytes.length, max);
  return bytes;
}

let scratch = new Uint8Array(256);

function encodeString(s: string, max: number): Uint8Array {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; encodeInto stops early when the room runs out.
  const room = Math.min(max, s.length * 3);
  if (scratch.length < room) scratch = new Uint8Array(Math.max(room, scratch.length * 2));
  const { read, written } = encoder.encodeInto(s, scratch.subarray(0, room));
  if (read < s.length) throw tooLarge(encoder.encode(s).length, max);
  return scratch.subarray(0, written);
}

function tooLarge(n: number, max: number): RangeError {
  return new RangeError(`value takes ${n} bytes, more than maxValueBytes (${max})`);
}

/** Decodes bytes (a private copy, not shared memory) written by encodeVar. */
export function decodeVar(id: number, bytes: Uint8Array): unknown {
  switch (CODECS[id]) {
    case "string":
      return decoder.decode(bytes);
    case "bytes":
      return bytes;
    case "json":
      return JSON.parse(decoder.decode(bytes));
    default:
      return v8Serializer().deserialize(bytes);
  }
}
