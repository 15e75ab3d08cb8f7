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
    emit(result)


if __name__ == '__main__':
    main()
