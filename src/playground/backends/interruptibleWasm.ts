/**
 * Makes PGlite's running statement cancellable from another thread.
 *
 * PGlite is Postgres compiled to WebAssembly and runs a statement in one synchronous call: nothing
 * in its own thread can stop it, and Postgres's statement_timeout needs a timer signal that never
 * fires while the call runs. But Postgres stops at its next CHECK_FOR_INTERRUPTS() once the globals
 * `QueryCancelPending` and `InterruptPending` are set, with "canceling statement due to user
 * request" (57014), and rolls back as after any error. So the thread running PGlite (a worker)
 * makes its linear memory a SharedArrayBuffer, and the thread serving requests sets those two
 * globals in it.
 *
 * For that, in the worker only (installed once, after any other WebAssembly the worker loads):
 *  - memories created from JavaScript are shared (PGlite's module imports its memory), and module
 *    binaries that import a memory declare it shared (PGlite's main module, and side modules such
 *    as plpgsql.so loaded later): one flag bit in the memory import's limits;
 *  - PGlite's clock import returns a time far ahead while an interrupt is pending: pg_sleep() and
 *    other waits busy-loop on the clock without checking for interrupts in between, so they end at
 *    once and the check that follows them cancels.
 * A fresh data folder is initialised before this is installed: PGlite's initdb step does not run
 * with a shared memory.
 */

/** Where the two globals are: the memory and their byte offsets, handed to the other thread. */
export interface InterruptTarget {
  memory: SharedArrayBuffer;
  interruptPending: number;
  queryCancelPending: number;
}

/** Sets the flags Postgres checks at CHECK_FOR_INTERRUPTS(): the running statement is cancelled. */
export function requestCancel(target: InterruptTarget): void {
  const flags = new Int32Array(target.memory);
  Atomics.store(flags, target.queryCancelPending >> 2, 1);
  Atomics.store(flags, target.interruptPending >> 2, 1);
}

/** Clears them (before a new request, so a cancel that came too late cannot hit it). */
export function clearCancel(target: InterruptTarget): void {
  const flags = new Int32Array(target.memory);
  Atomics.store(flags, target.queryCancelPending >> 2, 0);
  Atomics.store(flags, target.interruptPending >> 2, 0);
}

/** How far the clock jumps while an interrupt is pending: longer than any wait (about 11 days). */
const CLOCK_SKIP_NS = 1_000_000_000_000_000n;

const MEMORY_IMPORT = 2;
const WASM_HEADER_BYTES = 8;

function readLeb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/**
 * A copy of a module binary whose imported memory is declared shared, or undefined when it
 * imports no memory (or already a shared one). A shared memory needs a maximum: an import without
 * one (a side module's) gets the largest, which any memory PGlite creates stays within.
 */
export function shareImportedMemory(binary: Uint8Array): Uint8Array | undefined {
  let at = WASM_HEADER_BYTES;
  while (at < binary.length) {
    const sectionStart = at;
    const section = binary[at++];
    let size: number;
    [size, at] = readLeb(binary, at);
    const contentStart = at;
    const end = at + size;
    if (section !== 2) {
      at = end;
      continue;
    }
    let count: number;
    [count, at] = readLeb(binary, at);
    for (let i = 0; i < count; i++) {
      let length: number;
      [length, at] = readLeb(binary, at); // module name
      at += length;
      [length, at] = readLeb(binary, at); // field name
      at += length;
      const kind = binary[at++];
      if (kind === 0) [, at] = readLeb(binary, at); // function: type index
      else if (kind === 1) {
        at++; // table: element type, then limits
        const flags = binary[at++];
        [, at] = readLeb(binary, at);
        if (flags & 1) [, at] = readLeb(binary, at);
      } else if (kind === MEMORY_IMPORT) {
        const flags = binary[at];
        if (flags & 2 || flags & 4) return undefined; // shared already, or 64-bit
        if (flags & 1) {
          const copy = binary.slice();
          copy[at] = flags | 2;
          return copy;
        }
        // flags 0 + minimum -> flags 3 + minimum + maximum: the section grows.
        const [, afterMinimum] = readLeb(binary, at + 1);
        const content = concatBytes([binary.subarray(contentStart, at), Uint8Array.of(3), binary.subarray(at + 1, afterMinimum), writeLeb(MAX_PAGES), binary.subarray(afterMinimum, end)]);
        return concatBytes([binary.subarray(0, sectionStart), Uint8Array.of(section), writeLeb(content.length), content, binary.subarray(end)]);
      } else if (kind === 3) at += 2; // global: value type, mutability
      else if (kind === 4) {
        at++; // tag: attribute, type index
        [, at] = readLeb(binary, at);
      } else return undefined;
    }
    return undefined;
  }
  return undefined;
}

/** 4 GiB in 64 KiB pages: the most a 32-bit memory can have. */
const MAX_PAGES = 65536;

function writeLeb(value: number): Uint8Array {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    bytes.push(byte);
  } while (value);
  return Uint8Array.from(bytes);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

type Bytes = ArrayBuffer | ArrayBufferView;

function asShared(source: Bytes): Bytes {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return shareImportedMemory(bytes) ?? source;
}

interface ClockImports {
  env?: { memory?: WebAssembly.Memory; clock_time_get?: (clock: number, precision: bigint, timePointer: number) => number };
}

let installed: { onTarget: (target: InterruptTarget) => void } | undefined;

/**
 * Installs the changes described above in this thread (a worker that runs PGlite). `onTarget`
 * receives PGlite's flags once its main module is instantiated.
 */
export function installInterruptibleWasm(onTarget: (target: InterruptTarget) => void): void {
  if (installed) {
    installed.onTarget = onTarget;
    return;
  }
  const state = { onTarget };
  installed = state;
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const OriginalMemory = WebAssembly.Memory;
  const OriginalModule = WebAssembly.Module;
  const originalCompile = WebAssembly.compile.bind(WebAssembly);
  const originalInstantiate = WebAssembly.instantiate.bind(WebAssembly) as (source: Bytes | WebAssembly.Module, imports?: WebAssembly.Imports) => Promise<unknown>;

  wasm.Memory = function SharedMemory(descriptor: WebAssembly.MemoryDescriptor) {
    return new OriginalMemory(descriptor.maximum !== undefined ? { ...descriptor, shared: true } : descriptor);
  };
  (wasm.Memory as { prototype: unknown }).prototype = OriginalMemory.prototype;
  wasm.Module = function SharedMemoryModule(bytes: Bytes) {
    return new OriginalModule(asShared(bytes) as BufferSource);
  };
  (wasm.Module as { prototype: unknown }).prototype = OriginalModule.prototype;
  for (const name of ['imports', 'exports', 'customSections'] as const) (wasm.Module as Record<string, unknown>)[name] = OriginalModule[name];
  wasm.compile = (bytes: Bytes) => originalCompile(asShared(bytes) as BufferSource);
  wasm.instantiate = async (source: Bytes | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    const clock = watchClock(imports as ClockImports | undefined);
    const result = await originalInstantiate(source instanceof OriginalModule ? source : asShared(source), imports);
    const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
    clock?.attach(instance);
    return result;
  };
  // Streaming compiles the response as it is; PGlite on Node reads its files instead.
  wasm.instantiateStreaming = undefined;
}

/**
 * Wraps PGlite's clock import (its main module is the one that imports `clock_time_get` and
 * exports `InterruptPending`): while an interrupt is pending, time jumps ahead.
 */
function watchClock(imports: ClockImports | undefined): { attach(instance: WebAssembly.Instance): void } | undefined {
  const env = imports?.env;
  const clock = env?.clock_time_get;
  const memory = env?.memory;
  if (!env || !clock || !memory || !(memory.buffer instanceof SharedArrayBuffer)) return undefined;
  let pending: Int32Array | undefined;
  let pendingIndex = 0;
  env.clock_time_get = (clockId, precision, timePointer) => {
    const status = clock(clockId, precision, timePointer);
    if (status === 0 && pending && Atomics.load(pending, pendingIndex) !== 0) {
      new BigInt64Array(memory.buffer, timePointer, 1)[0] += CLOCK_SKIP_NS;
    }
    return status;
  };
  return {
    attach(instance) {
      const interruptPending = instance.exports.InterruptPending as WebAssembly.Global | undefined;
      const queryCancelPending = instance.exports.QueryCancelPending as WebAssembly.Global | undefined;
      if (!interruptPending || !queryCancelPending) return;
      pending = new Int32Array(memory.buffer);
      pendingIndex = Number(interruptPending.value) >> 2;
      installed?.onTarget({
        memory: memory.buffer as unknown as SharedArrayBuffer,
        interruptPending: Number(interruptPending.value),
        queryCancelPending: Number(queryCancelPending.value),
      });
    },
  };
}
