/**
 * keccak-256 (Ethereum's, the pre-standard padding 0x01) with the Keccak-f[1600] permutation in a
 * small WebAssembly module built here. EZKL's verifiers hash their transcript with KECCAK256 — 3.5
 * KB per proof for a small model, 29 KB for the LeNet's 794 instances — and a JavaScript keccak runs
 * cold in a process that verifies once (~10–20 ms, V8 has not compiled it yet); WebAssembly runs at
 * full speed from its first call. test/proof/keccak.test.ts checks it against @noble/hashes.
 *
 * The module: memory at 0–199 is the state (25 little-endian 64-bit lanes), 200–391 the round
 * constants, from 512 the blocks to absorb; `absorb(n)` XORs n blocks into the state in turn, each
 * followed by the 24 rounds.
 */

const ROUND_CONSTANTS = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];
/** ρ's rotation of lane x + 5y. */
const ROTATIONS = [
  0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];
const RATE = 136;
const RC_AT = 200;
/** Where the blocks to absorb are written; the memory's one page holds 470 of them. */
const INPUT_AT = 512;
const MAX_BLOCKS = Math.floor((65536 - INPUT_AT) / RATE);

/** An unsigned LEB128 number. */
function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** A signed LEB128 number (what i32.const and i64.const take). */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * `absorb(blocks)`: XORs each of `blocks` 136-byte blocks at INPUT_AT into the state and permutes
 * it. Locals: 0 the block count (i32), 1 the block's address (i32), 2 the round (i32), then the
 * lanes A (25), C (5), D and B (25), all i64.
 */
function absorbBody(): number[] {
  const COUNT = 0;
  const PTR = 1;
  const ROUND = 2;
  const A = (i: number) => 3 + i;
  const C = (x: number) => 28 + x;
  const D = 33;
  const B = (i: number) => 34 + i;
  const get = (local: number) => [0x20, ...leb(local)];
  const set = (local: number) => [0x21, ...leb(local)];
  const XOR = 0x85;
  const AND = 0x83;
  const ROTL = 0x89;
  const i64 = (value: number) => [0x42, ...sleb(value)];
  const i32 = (value: number) => [0x41, ...sleb(value)];
  const load = (offset: number) => [0x29, 3, ...leb(offset)]; // i64.load align=8
  const code: number[] = [];
  for (let i = 0; i < 25; i++) code.push(...i32(0), ...load(8 * i), ...set(A(i)));
  code.push(...i32(INPUT_AT), ...set(PTR));
  code.push(0x03, 0x40); // loop: blocks
  for (let i = 0; i < RATE / 8; i++)
    code.push(...get(A(i)), ...get(PTR), ...load(8 * i), XOR, ...set(A(i)));
  code.push(...i32(0), ...set(ROUND));
  code.push(0x03, 0x40); // loop: rounds
  // θ
  for (let x = 0; x < 5; x++) {
    code.push(...get(A(x)));
    for (let y = 1; y < 5; y++) code.push(...get(A(x + 5 * y)), XOR);
    code.push(...set(C(x)));
  }
  for (let x = 0; x < 5; x++) {
    code.push(...get(C((x + 4) % 5)), ...get(C((x + 1) % 5)), ...i64(1), ROTL, XOR, ...set(D));
    for (let y = 0; y < 5; y++)
      code.push(...get(A(x + 5 * y)), ...get(D), XOR, ...set(A(x + 5 * y)));
  }
  // ρ and π: B[y, 2x + 3y] = rotl(A[x, y], r[x, y]).
  for (let x = 0; x < 5; x++)
    for (let y = 0; y < 5; y++) {
      const to = y + 5 * ((2 * x + 3 * y) % 5);
      code.push(...get(A(x + 5 * y)), ...i64(ROTATIONS[x + 5 * y]), ROTL, ...set(B(to)));
    }
  // χ
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++)
      code.push(
        ...get(B(x + 5 * y)),
        ...get(B(((x + 1) % 5) + 5 * y)),
        ...i64(-1),
        XOR,
        ...get(B(((x + 2) % 5) + 5 * y)),
        AND,
        XOR,
        ...set(A(x + 5 * y)),
      );
  // ι: A[0] ^= RC[round]; round += 8; again while round < 192.
  code.push(...get(A(0)), ...get(ROUND), ...load(RC_AT), XOR, ...set(A(0)));
  code.push(...get(ROUND), ...i32(8), 0x6a, 0x22, ...leb(ROUND), ...i32(192), 0x49, 0x0d, 0);
  code.push(0x0b); // end rounds
  // Next block: ptr += 136; again while --count != 0.
  code.push(...get(PTR), ...i32(RATE), 0x6a, ...set(PTR));
  code.push(...get(COUNT), ...i32(1), 0x6b, 0x22, ...leb(COUNT), 0x0d, 0);
  code.push(0x0b); // end blocks
  for (let i = 0; i < 25; i++) code.push(...i32(8 * i), ...get(A(i)), 0x37, 3, 0);
  code.push(0x0b); // end function
  const locals = [2, 2, 0x7f, ...leb(56), 0x7e]; // 2 more i32, then 56 i64
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
  const body = absorbBody();
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 0]), // one type: (i32) → ()
    ...section(3, [1, 0]), // one function of it
    ...section(5, [1, 0, 1]), // one memory of one page
    ...section(7, [2, ...name('absorb'), 0, 0, ...name('memory'), 2, 0]),
    ...section(10, [1, ...body]),
  ]);
}

interface Sponge {
  state: Uint8Array;
  input: Uint8Array;
  absorb: (blocks: number) => void;
}

let instance: Sponge | undefined;

function sponge(): Sponge {
  if (instance) return instance;
  const exports = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes())).exports as {
    absorb: (blocks: number) => void;
    memory: WebAssembly.Memory;
  };
  const view = new DataView(exports.memory.buffer);
  for (const [i, rc] of ROUND_CONSTANTS.entries()) view.setBigUint64(RC_AT + 8 * i, rc, true);
  instance = {
    state: new Uint8Array(exports.memory.buffer, 0, 200),
    input: new Uint8Array(exports.memory.buffer, INPUT_AT, MAX_BLOCKS * RATE),
    absorb: exports.absorb,
  };
  return instance;
}

/** keccak-256 of the bytes (as Solidity's keccak256 and the KECCAK256 instruction compute it). */
export function keccak256(data: Uint8Array): Uint8Array {
  const { state, input, absorb } = sponge();
  state.fill(0);
  let offset = 0;
  // Whole blocks, as many at a time as the memory holds; then the last one, padded (0x01 … 0x80).
  while (data.length - offset >= RATE) {
    const blocks = Math.min(MAX_BLOCKS, Math.floor((data.length - offset) / RATE));
    input.set(data.subarray(offset, offset + blocks * RATE));
    absorb(blocks);
    offset += blocks * RATE;
  }
  const rest = data.length - offset;
  input.fill(0, 0, RATE);
  input.set(data.subarray(offset));
  input[rest] ^= 0x01;
  input[RATE - 1] ^= 0x80;
  absorb(1);
  return state.slice(0, 32);
}
