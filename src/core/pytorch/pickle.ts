/**
 * A pickle *reader* for PyTorch checkpoints. Pickle is a program for a stack
 * machine that may import and call anything (a `__reduce__` payload runs
 * `os.system` when Python loads it); this reader runs no Python and calls
 * nothing. It understands the opcodes of protocols 2–5 that hold data
 * (dicts, lists, tuples, strings, numbers, bytes) and exactly the globals a
 * tensor checkpoint names: `collections.OrderedDict`, the `torch._utils`
 * tensor and parameter rebuilders, the typed storage classes and `torch.Size`;
 * and, for TorchScript archives (torch.jit.save), the `__torch__.*` module
 * classes as plain records of their saved attributes (their code is never
 * compiled or run) and `torch.jit._pickle`'s list builders. Any other
 * global, or a call of something that is not one of those, is refused by
 * name before anything else happens.
 *
 * Tensors come out as descriptions (dtype, shape, strides, offset, and the
 * storage record of the archive that holds their bytes); no bytes are read.
 */

export class PickleError extends Error {}

/** A storage record of a torch zip archive (`data/<key>`). */
export interface TorchStorage {
  kind: 'storage';
  key: string;
  dtype: TorchDtype;
  /** Elements of the storage (not of the tensor). */
  numel: number;
  location: string;
}

export interface TorchTensor {
  kind: 'tensor';
  storage: TorchStorage;
  /** In elements, from the storage's start. */
  offset: number;
  shape: number[];
  stride: number[];
  /** Whether it was saved as an nn.Parameter (whole-model saves; a state_dict holds plain tensors). */
  parameter: boolean;
}

/** A Python dict or OrderedDict, in insertion order. */
export interface PyDict {
  kind: 'dict';
  entries: [PyValue, PyValue][];
}

export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}

/** A TorchScript module (`__torch__.torch.nn.modules.conv.Conv2d`): its saved attributes, nothing else. */
export interface PyObject {
  kind: 'object';
  type: string;
  state: PyValue;
}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | TorchTensor | TorchStorage | PyGlobal | PyObject;

interface PyGlobal {
  kind: 'global';
  module: string;
  name: string;
}

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool' | 'complex64' | 'complex128';

/** torch's typed storage classes and what they hold. */
const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', ComplexFloatStorage: 'complex64', ComplexDoubleStorage: 'complex128',
};

/** The globals a checkpoint may name: what each is, never what it would run. */
const CALLABLE = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Size',
]);
const CLASSES = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);
/** TorchScript's helpers that tag a list or value with its type: read as the value itself. */
const TYPE_TAGS = new Set(['build_intlist', 'build_doublelist', 'build_boollist', 'build_tensorlist', 'restore_type_tag']);
const isScriptClass = (module: string) => module === '__torch__' || module.startsWith('__torch__.');

const isAllowed = (module: string, name: string) =>
  CALLABLE.has(`${module}.${name}`) || CLASSES.has(`${module}.${name}`) || (module === 'torch' && name in STORAGE_DTYPES) ||
  isScriptClass(module) || (module === 'torch.jit._pickle' && TYPE_TAGS.has(name));

/** Refused: names what the pickle asks for, so the user knows why. */
function refuse(what: string): never {
  throw new PickleError(`it asks Python to ${what}; ConvLens reads only tensor checkpoints, and never runs what a pickle asks`);
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

/** Opcodes that pickle's text protocols use and checkpoints never do. */
const UNSUPPORTED: Record<number, string> = {
  0x49: 'INT', 0x4c: 'LONG', 0x53: 'STRING', 0x56: 'UNICODE', 0x46: 'FLOAT', 0x50: 'PERSID', 0x70: 'PUT', 0x67: 'GET',
  0x69: 'INST', 0x6f: 'OBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'BYTEARRAY8', 0x98: 'NEXT_BUFFER', 0x99: 'READONLY_BUFFER',
};

/** Reads one pickle. Throws PickleError (refused or malformed); never runs anything. */
export function unpickle(bytes: Uint8Array): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;

  const need = (n: number) => {
    if (pos + n > bytes.length) throw new PickleError(`the pickle ends inside an instruction at byte ${pos}`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const lo = view.getUint32(pos, true);
    const hi = view.getUint32(pos + 4, true);
    pos += 8;
    const n = hi * 2 ** 32 + lo;
    if (!Number.isSafeInteger(n)) throw new PickleError('a length in the pickle is beyond 2^53');
    return n;
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('the pickle ends inside a global name');
    const s = utf8.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleError('the pickle pops more than it pushed');
    return v;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new PickleError('the pickle has no mark where one is needed');
    const items = stack.splice(at) as PyValue[];
    items.shift();
    return items;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError('the pickle reads an empty stack');
    return v;
  };
  const push = (v: PyValue) => stack.push(v);
  const global = (module: string, name: string): PyGlobal => {
    if (!isAllowed(module, name)) refuse(`import ${module}.${name}`);
    return { kind: 'global', module, name };
  };
  const setItems = (target: PyValue, items: PyValue[]) => {
    if (!isDict(target)) throw new PickleError('the pickle sets items on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.entries.push([items[i], items[i + 1]]);
  };
  const appendItems = (target: PyValue, items: PyValue[]) => {
    if (!Array.isArray(target)) throw new PickleError('the pickle appends to something that is not a list');
    for (const x of items) target.push(x);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: a hint only
      case 0x2e: { // STOP
        const v = pop();
        return v;
      }
      case 0x28: stack.push(MARK); break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x7d: push({ kind: 'dict', entries: [] }); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
      case 0x8f: push([]); break; // EMPTY_SET, read as a list
      case 0x64: { // DICT
        const d: PyDict = { kind: 'dict', entries: [] };
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x6c: push(popMark()); break; // LIST
      case 0x74: push({ kind: 'tuple', items: popMark() }); break; // TUPLE
      case 0x91: push(popMark()); break; // FROZENSET, read as a list
      case 0x85: push({ kind: 'tuple', items: [pop()] }); break;
      case 0x86: { const b = pop(); const a = pop(); push({ kind: 'tuple', items: [a, b] }); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push({ kind: 'tuple', items: [a, b, c] }); break; }
      case 0x58: push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x42: push(take(u32())); break; // BINBYTES
      case 0x43: push(take(u8())); break; // SHORT_BINBYTES
      case 0x8e: push(take(u64())); break; // BINBYTES8
      case 0x4a: need(4); pos += 4; push(view.getInt32(pos - 4, true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(take(u8()))); break; // LONG1
      case 0x8b: push(long(take(u32()))); break; // LONG4
      case 0x47: need(8); pos += 8; push(view.getFloat64(pos - 8, false)); break; // BINFLOAT
      case 0x88: push(true); break;
      case 0x89: push(false); break;
      case 0x4e: push(null); break;
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) throw new PickleError(`the pickle reads memo ${k}, which it never wrote`);
        push(memo.get(k)!);
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x90: { const items = popMark(); appendItems(top(), items); break; } // ADDITEMS
      case 0x63: { const module = line(); push(global(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError('the pickle names a global by something that is not a string');
        push(global(module, name));
        break;
      }
      case 0x52: { const args = pop(); push(call(pop(), args)); break; } // REDUCE
      case 0x81: { // NEWOBJ: only a TorchScript module, made empty; its BUILD gives its attributes
        const args = pop();
        const cls = pop();
        if (isGlobal(cls) && isScriptClass(cls.module) && isTuple(args) && args.items.length === 0) {
          push({ kind: 'object', type: `${cls.module}.${cls.name}`, state: null });
          break;
        }
        if (isGlobal(cls)) refuse(`create a ${cls.module}.${cls.name}`);
        throw new PickleError('the pickle creates an object from something that is not a class');
      }
      case 0x62: { // BUILD: a TorchScript module's attributes are kept; an OrderedDict's _metadata or a tensor's state is not needed
        const state = pop();
        const obj = top();
        if (isObject(obj)) obj.state = state;
        else if (!isDict(obj) && !isTensor(obj)) refuse(`set the state of ${describe(obj)}`);
        break;
      }
      case 0x51: push(persistent(pop())); break; // BINPERSID
      default: {
        const name = UNSUPPORTED[op];
        throw new PickleError(name ? `the pickle uses ${name}, which checkpoints do not` : `byte ${pos - 1} is not a pickle instruction (0x${op.toString(16)})`);
      }
    }
  }
}

function long(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const isDict = (v: PyValue | undefined): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'dict';
const isTuple = (v: PyValue): v is PyTuple => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'tuple';
const isGlobal = (v: PyValue): v is PyGlobal => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'global';
const isTensor = (v: PyValue): v is TorchTensor => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'tensor';
const isObject = (v: PyValue): v is PyObject => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'object';
const isStorage = (v: PyValue): v is TorchStorage => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && v.kind === 'storage';

function describe(v: PyValue): string {
  if (isGlobal(v)) return `${v.module}.${v.name}`;
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? `a ${(v as { kind?: string }).kind ?? 'value'}` : `a ${typeof v}`;
}

const ints = (v: PyValue, what: string): number[] => {
  const items = isTuple(v) ? v.items : Array.isArray(v) ? v : undefined;
  if (!items || !items.every((x): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) throw new PickleError(`a tensor's ${what} is not a list of sizes`);
  return items;
};

/** What a REDUCE of an allowed callable makes, without calling anything. */
function call(fn: PyValue, args: PyValue): PyValue {
  if (!isGlobal(fn)) throw new PickleError(`the pickle calls ${describe(fn)}, which is not a function`);
  const name = `${fn.module}.${fn.name}`;
  if (fn.module === 'torch.jit._pickle' && TYPE_TAGS.has(fn.name)) {
    if (!isTuple(args) || args.items.length === 0) throw new PickleError(`${name} is called without a value`);
    return args.items[0];
  }
  if (!CALLABLE.has(name)) refuse(`call ${name}`);
  if (!isTuple(args)) throw new PickleError(`${name} is called with ${describe(args)}, not a tuple of arguments`);
  const a = args.items;
  switch (name) {
    case 'collections.OrderedDict':
      return { kind: 'dict', entries: [] };
    case 'torch.Size':
      return { kind: 'tuple', items: ints(a[0] ?? { kind: 'tuple', items: [] }, 'size') };
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, size, stride] = a;
      if (!isStorage(storage)) throw new PickleError('a tensor is rebuilt from something that is not a storage');
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new PickleError('a tensor\'s storage offset is not a size');
      return { kind: 'tensor', storage, offset, shape: ints(size, 'shape'), stride: ints(stride, 'strides'), parameter: false };
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state': {
      const data = a[0];
      if (!isTensor(data)) throw new PickleError('a parameter is rebuilt from something that is not a tensor');
      return { ...data, parameter: true };
    }
    case 'torch._tensor._rebuild_from_type_v2': {
      // (func, type, args, state): a tensor subclass; only plain tensors and parameters are read.
      const [inner, type, innerArgs] = a;
      if (!isGlobal(type) || !CLASSES.has(`${type.module}.${type.name}`)) refuse(`rebuild a tensor as ${describe(type)}`);
      return call(inner, innerArgs);
    }
  }
  refuse(`call ${name}`);
}

/** A persistent id: ('storage', StorageType, key, location, numel) names a record of the archive. */
function persistent(pid: PyValue): TorchStorage {
  const t = isTuple(pid) ? pid.items : undefined;
  if (!t || t[0] !== 'storage') throw new PickleError(`the pickle refers to an outside object ${describe(pid)} that is not a storage`);
  const [, type, key, location, numel] = t;
  if (!isGlobal(type) || type.module !== 'torch' || !(type.name in STORAGE_DTYPES)) throw new PickleError(`a storage of type ${describe(type)}`);
  if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw new PickleError('a storage record without a key or a size');
  return { kind: 'storage', key, dtype: STORAGE_DTYPES[type.name], numel, location: typeof location === 'string' ? location : '?' };
}
