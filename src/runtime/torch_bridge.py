"""ConvLens's bridge to PyTorch: builds a model from the user's Python file, runs
one forward pass with a hook on every submodule (the shapes PyTorch itself
sees), and exports it to ONNX (TorchScript exporter, module scopes in the node
names) so that ConvLens's engine can profile it.

    python3 torch_bridge.py REQUEST.json

REQUEST: {"file": "/abs/model.py", "target": "ResNet", "args": "num_classes=10",
          "inputs": [[1, 3, 224, 224]], "onnx": "/abs/out.onnx", "opset": 13}

`target` names a module class or a function of the file; `args` (Python
call arguments, default none) are what it is called with. The answer is one
JSON object on the last line of stdout: {"ok": true, ...} or {"ok": false,
"error": {...}}. It runs the user's code: the caller runs it only in a
trusted workspace, in a child process it can kill. Needs torch >= 1.13 only.
"""
import importlib.util
import inspect
import json
import os
import sys
import traceback
import warnings

RESULT_MARK = '\x1econvlens-result '


def emit(obj):
    sys.stdout.write(RESULT_MARK + json.dumps(obj) + '\n')
    sys.stdout.flush()


def fail(kind, message, frames=None):
    emit({'ok': False, 'error': {'kind': kind, 'message': message, 'frames': frames or []}})
    sys.exit(0)


def user_frames(tb, user_file):
    """The traceback's frames, innermost last, each {file, line, function, user}."""
    out = []
    for fs in traceback.extract_tb(tb):
        path = os.path.abspath(fs.filename) if fs.filename and not fs.filename.startswith('<') else fs.filename
        out.append({'file': path, 'line': fs.lineno, 'function': fs.name, 'user': path == user_file})
    return out


def shapes_of(value):
    """Shapes of the tensors in a hook's inputs or outputs (tuples, lists and dicts flattened)."""
    import torch
    if isinstance(value, torch.Tensor):
        return [list(value.shape)]
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in shapes_of(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in shapes_of(v)]
    return []


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        req = json.load(f)
    user_file = os.path.abspath(req['file'])
    try:
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means no usable torch
        fail('no-torch', f'{type(e).__name__}: {e}')
    version = torch.__version__.split('+')[0]
    try:
        major, minor = (int(x) for x in version.split('.')[:2])
    except ValueError:
        major, minor = 0, 0
    if (major, minor) < (1, 13):
        fail('old-torch', f'torch {torch.__version__} is older than 1.13')

    if req.get('archive') == 'torchscript':
        # A TorchScript archive (torch.jit.save): TorchScript's own loader, no Python code of the user runs.
        try:
            model = torch.jit.load(user_file, map_location='cpu')
        except BaseException as e:  # noqa: BLE001
            fail('import', f'{type(e).__name__}: {e}'.splitlines()[0][:500])
        return profile(torch, model, req, user_file, hooks=False)
    if req.get('archive') == 'export':
        # A torch.export archive (.pt2): its graph module; no Python code of the user runs.
        if (major, minor) < (2, 1):
            fail('old-torch', f'torch {torch.__version__} cannot read torch.export archives (.pt2); torch 2.1 or newer can')
        try:
            model = torch.export.load(user_file).module()
        except BaseException as e:  # noqa: BLE001
            fail('import', f'{type(e).__name__}: {e}'.splitlines()[0][:500])
        return profile(torch, model, req, user_file, hooks=True)

    # The user's file as a module of its own name (its `if __name__ == "__main__":` block does not run),
    # importable siblings beside it.
    sys.path.insert(0, os.path.dirname(user_file))
    name = '_convlens_user_' + os.path.splitext(os.path.basename(user_file))[0].replace('-', '_')
    try:
        spec = importlib.util.spec_from_file_location(name, user_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except BaseException as e:  # noqa: BLE001 - the user's code may raise anything, SystemExit included
        fail('import', f'{type(e).__name__}: {e}', user_frames(e.__traceback__, user_file))

    target = req['target']
    factory = getattr(module, target, None)
    if factory is None:
        fail('target', f"{os.path.basename(user_file)} has no class or function named '{target}'")
    try:
        model = eval(f"__convlens_target__({req.get('args') or ''})", {'__convlens_target__': factory})  # noqa: S307 - the user's own arguments
    except BaseException as e:  # noqa: BLE001
        fail('build', f'{type(e).__name__}: {e}', user_frames(e.__traceback__, user_file))
    if not isinstance(model, torch.nn.Module):
        fail('target', f"{target}({req.get('args') or ''}) made a {type(model).__name__}, not a torch.nn.Module")
    profile(torch, model, req, user_file, hooks=True)


def profile(torch, model, req, user_file, hooks):
    """Hooks (not on TorchScript modules, which refuse them), one forward pass, the export; emits the result."""
    try:
        model.eval()
    except Exception:  # noqa: BLE001 - torch.export's graph modules refuse eval() (they were exported in a mode already)
        pass

    modules = []
    index = {}
    for path, m in model.named_modules():
        index[id(m)] = len(modules)
        own = sum(p.numel() for p in m.parameters(recurse=False))
        modules.append({
            'path': path,
            # A TorchScript module's own class is RecursiveScriptModule; it keeps the original's name.
            'type': getattr(m, 'original_name', None) or type(m).__name__,
            'params': own,
            'buffers': sum(b.numel() for b in m.buffers(recurse=False)),
            'calls': [],
        })

    def hook(m, inputs, output):
        i = index.get(id(m))
        if i is not None:
            modules[i]['calls'].append({'inputs': shapes_of(inputs), 'outputs': shapes_of(output)})

    handles = [m.register_forward_hook(hook) for m in model.modules()] if hooks else []
    example = tuple(torch.zeros(*shape) for shape in req['inputs'])
    try:
        with torch.no_grad():
            output = model(*example)
    except BaseException as e:  # noqa: BLE001
        fail('forward', f'{type(e).__name__}: {e}', user_frames(e.__traceback__, user_file))
    for h in handles:
        h.remove()

    result = {
        'ok': True,
        'torch': torch.__version__,
        'params': sum(p.numel() for p in model.parameters()),
        'paramBytes': sum(p.numel() * p.element_size() for p in model.parameters()),
        'buffers': sum(b.numel() for b in model.buffers()),
        'bufferBytes': sum(b.numel() * b.element_size() for b in model.buffers()),
        'modules': modules,
        'outputs': shapes_of(output),
    }

    out_path = req.get('onnx')
    if out_path:
        kwargs = {
            'opset_version': int(req.get('opset') or 13),
            'input_names': [f'input{i}' if len(example) > 1 else 'input' for i in range(len(example))],
            'do_constant_folding': True,
        }
        # torch >= 2.5 has a second exporter (dynamo); ours reads the TorchScript one's scoped node names.
        if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
            kwargs['dynamo'] = False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                torch.onnx.export(model, example if len(example) > 1 else example[0], out_path, **kwargs)
            result['onnx'] = out_path
        except BaseException as e:  # noqa: BLE001
            result['exportError'] = f'{type(e).__name__}: {e}'.splitlines()[0][:500]
            result['exportFrames'] = user_frames(e.__traceback__, user_file)
    optimizer = req.get('training')
    if optimizer:
        # What one training step keeps, measured (the model is left as it was).
        try:
            m = training_memory(torch, model, example, optimizer, req.get('checkpoint') or ())
            keys = ('optimizer', 'savedBytes', 'savedParamBytes', 'paramBytes', 'gradBytes', 'optimizerBytes', 'keptBytes', 'perModule', 'perOp')
            result['training'] = {k: m[k] for k in keys}
        except BaseException as e:  # noqa: BLE001 - a train-mode forward may refuse what eval accepts (BatchNorm at batch 1)
            result['trainingError'] = f'{type(e).__name__}: {e}'.splitlines()[0][:500]
    emit(result)


# What one training step keeps: the tensors autograd saves during a forward pass in train mode,
# plus the parameters, their gradients and the optimizer's state (a request's `training`: the optimizer).
OPTIMIZER_STATE_COPIES = {'adam': 2, 'adamw': 2, 'momentum': 1, 'sgd': 0}


def _storage_of(t):
    """(key, nbytes) of a tensor's whole storage (a view counts its base's storage), or None."""
    try:
        s = t.untyped_storage() if hasattr(t, 'untyped_storage') else t.storage()
        return s.data_ptr(), int(s.nbytes())
    except Exception:  # noqa: BLE001 - sparse, nested and other storage-less tensors: their own bytes
        try:
            return ('tensor', id(t)), int(t.numel() * t.element_size())
        except Exception:  # noqa: BLE001
            return None


def _tensors_in(value):
    import torch
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors_in(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors_in(v)]
    return []


def _checkpointed(torch, forward):
    import torch.utils.checkpoint as cp

    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # reentrant checkpoint warns when no input needs a gradient
            return cp.checkpoint(forward, *args, use_reentrant=True)
    return run


def training_memory(torch, model, example_input, optimizer='adam', checkpoint=()):
    """Bytes one training step keeps, measured with one forward pass in train mode.

    savedBytes: every storage that autograd saves for backward (saved_tensors_hooks), each counted once
    at its full size (a view counts its base storage; in-place ReLU shares its input's storage), only
    those still held when the forward pass ends; saved parameters included (savedParamBytes says how much).
    paramBytes: all parameters; gradBytes: those with requires_grad; optimizerBytes: 2 copies of the
    trainable ones for Adam/AdamW, 1 for momentum SGD, 0 for plain SGD. keptBytes: their sum.
    The model is left as it was: train/eval flags, buffers (BatchNorm running stats, num_batches_tracked)
    and .grad restored; no autograd graph is kept; the CPU RNG state is restored.
    example_input: a tensor or a tuple/list of tensors (the forward's positional arguments).
    checkpoint: module paths (named_modules names, e.g. 'layer3') run under torch.utils.checkpoint for the
    measurement (their activations are recomputed in backward instead of kept; restored afterwards).
    perModule: [{name, type, savedBytes}], each saved storage attributed once, to the innermost module whose
    forward was running when it was first saved ('' is the root). perOp: [{op (the backward node, e.g.
    ConvolutionBackward0), slot (its saved field, e.g. input, weight, result1), dtype, kind (activation,
    parameter, buffer, input), tensors, bytes (storages it saved first), sharedTensors, sharedBytes
    (storages an earlier save holds already)}]. Raises what the model's forward raises (state restored).
    """
    import gc
    import time
    if optimizer not in OPTIMIZER_STATE_COPIES:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZER_STATE_COPIES)}, not {optimizer!r}")
    inputs = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    started = time.perf_counter()

    params = list(model.parameters())
    param_keys = {}
    for p in params:
        st = _storage_of(p)
        if st is not None:
            param_keys[st[0]] = True
    buffer_keys = {}
    for b in model.buffers():
        st = _storage_of(b)
        if st is not None:
            buffer_keys[st[0]] = True
    input_keys = {}
    for t in _tensors_in(inputs):
        st = _storage_of(t)
        if st is not None:
            input_keys[st[0]] = st[1]

    names = {}
    for path, m in model.named_modules():
        names.setdefault(id(m), (path, getattr(m, 'original_name', None) or type(m).__name__))

    # What the forward pass may change, to put back afterwards.
    flags = [(m, m.training) for m in model.modules()]
    buffers = []
    for m in model.modules():
        for name, b in list(getattr(m, '_buffers', {}).items()):
            if b is not None:
                buffers.append((m, name, b, b.detach().clone()))
    grads = [(p, p.grad) for p in params]

    stack = []  # (path, type) of the modules whose forward is running, innermost last
    storages = {}  # key -> record of a saved storage that some live holder still holds
    holders = []  # per pack, in order: [key, module path, live]
    unpacked = []

    class Holder:
        __slots__ = ('tensor', 'index', '__weakref__')

        def __del__(self):
            rec = holders[self.index]
            rec[2] = False
            s = storages.get(rec[0])
            if s is not None:
                s['live'] -= 1
                if s['live'] == 0:  # no saved tensor holds it any more: it may be freed and its address reused
                    del storages[rec[0]]

    def pack(t):
        h = Holder()
        h.tensor = t.detach()  # not t itself: a saved output holding its own grad_fn would be a reference cycle
        h.index = len(holders)
        st = _storage_of(t)
        key = st[0] if st is not None else ('none', h.index)
        module = stack[-1] if stack else ('', names.get(id(model), ('', type(model).__name__))[1])
        holders.append([key, module, True])
        s = storages.get(key)
        if s is None:
            storages[key] = {'nbytes': st[1] if st is not None else 0, 'first': h.index, 'live': 1,
                             'dtype': str(t.dtype).replace('torch.', ''), 'module': module}
        else:
            s['live'] += 1
        return h

    def unpack(h):
        unpacked.append(h.index)
        return h.tensor

    def pre_hook(m, args):
        stack.append(names.get(id(m), ('?', type(m).__name__)))

    def post_hook(m, args, out):
        if stack:
            stack.pop()

    handles = []
    for m in model.modules():
        try:
            handles.append(m.register_forward_pre_hook(pre_hook))
            handles.append(m.register_forward_hook(post_hook))
        except Exception:  # noqa: BLE001 - TorchScript modules refuse hooks: no per-module attribution there
            pass

    output = loss = outs = None
    wrapped = []
    per_op = {}
    forward_s = 0.0
    try:
        try:
            model.train()
        except Exception:  # noqa: BLE001 - torch.export's graph modules refuse train(): measured in the mode they have
            pass
        by_path = dict(model.named_modules())
        for path in checkpoint:
            if path not in by_path or not path:
                raise ValueError(f"no submodule named {path!r} to checkpoint")
            wrapped.append(by_path[path])
            by_path[path].forward = _checkpointed(torch, by_path[path].forward)
        devices = sorted({t.device.index or 0 for t in _tensors_in(inputs) if t.is_cuda})
        with torch.random.fork_rng(devices=devices), torch.enable_grad():
            with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
                output = model(*inputs)
                outs = [t for t in _tensors_in(output) if t.is_floating_point() or t.is_complex()]
                if outs:
                    loss = sum(t.float().sum() if t.is_floating_point() else t.real.float().sum() for t in outs)
                forward_s = time.perf_counter() - started

                # Which backward node (op) and slot saved each pack: walk the graph, unpacking its saved tensors.
                slot_of = {}
                seen_nodes = set()
                visited = []  # keeps each node's Python object alive so that ids stay unique during the walk
                todo = [t.grad_fn for t in _tensors_in(output) if t.grad_fn is not None]
                if loss is not None and loss.grad_fn is not None:
                    todo.append(loss.grad_fn)
                while todo:
                    node = todo.pop()
                    if node is None or id(node) in seen_nodes:
                        continue
                    seen_nodes.add(id(node))
                    visited.append(node)
                    op = type(node).__name__
                    attrs = [a for a in dir(node) if a.startswith('_saved_')]
                    if not attrs and hasattr(node, 'saved_tensors'):  # a custom autograd.Function's ctx
                        attrs = ['saved_tensors']
                    for a in attrs:
                        unpacked.clear()
                        try:
                            getattr(node, a)
                        except Exception:  # noqa: BLE001 - released or not a tensor
                            continue
                        for i in unpacked:
                            slot_of.setdefault(i, (op, a[len('_saved_'):] if a.startswith('_saved_') else a))
                    todo.extend(f for f, _ in getattr(node, 'next_functions', ()) if f is not None)
                node = visited = None
                unpacked.clear()

            saved = sum(s['nbytes'] for s in storages.values())
            saved_params = sum(s['nbytes'] for k, s in storages.items() if k in param_keys)
            saved_buffers = sum(s['nbytes'] for k, s in storages.items() if k in buffer_keys)
            saved_storages = len(storages)
            per_module = {}
            for s in sorted(storages.values(), key=lambda s: s['first']):
                path, typ = s['module']
                row = per_module.setdefault(path, {'name': path, 'type': typ, 'savedBytes': 0})
                row['savedBytes'] += s['nbytes']
            first_of = {s['first']: k for k, s in storages.items()}
            for i, (key, _module, live) in enumerate(holders):
                if not live or key not in storages:
                    continue
                op, slot = slot_of.get(i, ('?', '?'))
                s = storages[key]
                kind = ('parameter' if key in param_keys else 'buffer' if key in buffer_keys
                        else 'input' if key in input_keys else 'activation')
                row = per_op.setdefault((op, slot, s['dtype'], kind), {
                    'op': op, 'slot': slot, 'dtype': s['dtype'], 'kind': kind,
                    'tensors': 0, 'bytes': 0, 'sharedTensors': 0, 'sharedBytes': 0})
                if first_of.get(i) == key:
                    row['tensors'] += 1
                    row['bytes'] += s['nbytes']
                else:  # a storage that an earlier pack saved already: counted there
                    row['sharedTensors'] += 1
                    row['sharedBytes'] += s['nbytes']
            input_saved = any(k in storages for k in input_keys)
            saved_tensors = sum(1 for h in holders if h[2])
    finally:
        for h in handles:
            h.remove()
        for m in wrapped:
            del m.forward  # the class's own forward again
        output = loss = outs = None
        gc.collect()
        with torch.no_grad():
            for m, name, b, value in buffers:
                if m._buffers.get(name) is not b:  # the forward pass replaced it
                    m._buffers[name] = b
                b.copy_(value)
        for p, g in grads:
            p.grad = g
        for m, training in flags:
            m.training = training

    param_bytes = sum(p.numel() * p.element_size() for p in params)
    trainable = sum(p.numel() * p.element_size() for p in params if p.requires_grad)
    optimizer_bytes = OPTIMIZER_STATE_COPIES[optimizer] * trainable
    return {
        'savedBytes': saved,
        'savedParamBytes': saved_params,
        'savedBufferBytes': saved_buffers,
        'savedTensors': saved_tensors,
        'savedStorages': saved_storages,
        'paramBytes': param_bytes,
        'gradBytes': trainable,
        'optimizerBytes': optimizer_bytes,
        'keptBytes': saved + param_bytes + trainable + optimizer_bytes,
        'paramCount': sum(p.numel() for p in params),
        'trainableParamCount': sum(p.numel() for p in params if p.requires_grad),
        'optimizer': optimizer,
        'inputBytes': sum(input_keys.values()),
        'inputSaved': input_saved,
        'graphReleased': not any(h[2] for h in holders),
        'forwardSeconds': round(forward_s, 3),
        'seconds': round(time.perf_counter() - started, 3),
        'perModule': list(per_module.values()),
        'perOp': sorted(per_op.values(), key=lambda r: -(r['bytes'] + r['sharedBytes'])),
    }


if __name__ == '__main__':
    main()
