"""The reference training-memory figure (issue #17): what PyTorch keeps for one training step.

    python3 test/helpers/torch_training_memory.py --model resnet18 --input 16x3x224x224 --optimizer adam
    python3 test/helpers/torch_training_memory.py --model path/to/file.py:TARGET --input 1x3x32x32

--model: a torchvision.models factory name (built with weights=None), or FILE.py:TARGET where TARGET is a
class (built with no arguments), a function of no arguments returning an nn.Module, or a module-level
nn.Module instance. --input: one shape per positional input (repeat the flag for several). The model runs
once in train mode (torch.manual_seed(0), random normal inputs); the measurement itself is
training_memory() of src/runtime/torch_bridge.py (the extension's bridge), so both agree by construction.
Prints one JSON object: savedBytes, paramBytes, gradBytes, optimizerBytes, keptBytes, paramCount,
inputBytes, inputSaved, perModule, perOp, ... (see training_memory's docstring).
--table prints a human summary on stderr as well.
"""
import argparse
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BRIDGE = os.path.join(HERE, '..', '..', 'src', 'runtime', 'torch_bridge.py')


def load_bridge():
    spec = importlib.util.spec_from_file_location('_convlens_torch_bridge', os.path.abspath(BRIDGE))
    bridge = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bridge)
    return bridge


def build_model(torch, spec):
    if ':' in spec and spec.split(':', 1)[0].endswith('.py'):
        path, target = spec.rsplit(':', 1)
        path = os.path.abspath(path)
        sys.path.insert(0, os.path.dirname(path))
        mspec = importlib.util.spec_from_file_location('_convlens_model_' + os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(mspec)
        sys.modules[mspec.name] = module
        mspec.loader.exec_module(module)
        obj = getattr(module, target)
        model = obj if isinstance(obj, torch.nn.Module) else obj()
    else:
        import torchvision
        factory = getattr(torchvision.models, spec)
        try:
            model = factory(weights=None)
        except TypeError:  # torchvision < 0.13
            model = factory(pretrained=False)
    if not isinstance(model, torch.nn.Module):
        raise SystemExit(f'{spec} made a {type(model).__name__}, not a torch.nn.Module')
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True)
    ap.add_argument('--input', action='append', required=True, help='a shape such as 16x3x224x224')
    ap.add_argument('--optimizer', default='adam', choices=['adam', 'adamw', 'momentum', 'sgd'])
    ap.add_argument('--dtype', default='float32')
    ap.add_argument('--checkpoint', action='append', default=[], help='a submodule (e.g. layer3) run under torch.utils.checkpoint')
    ap.add_argument('--table', action='store_true', help='also print a summary on stderr')
    args = ap.parse_args()

    import torch
    bridge = load_bridge()
    torch.manual_seed(0)
    model = build_model(torch, args.model)
    dtype = getattr(torch, args.dtype)
    if dtype != torch.float32:
        model = model.to(dtype)
    inputs = tuple(torch.randn(*[int(d) for d in shape.lower().split('x')], dtype=dtype) for shape in args.input)
    torch.manual_seed(0)
    result = bridge.training_memory(torch, model, inputs, optimizer=args.optimizer, checkpoint=args.checkpoint)
    result = {'model': args.model, 'inputs': [list(t.shape) for t in inputs], 'torch': torch.__version__, **result}
    print(json.dumps(result))
    if args.table:
        mib = 2 ** 20
        err = sys.stderr
        print(f"{args.model} {args.input} {args.optimizer}: kept {result['keptBytes'] / mib:.1f} MiB "
              f"({result['keptBytes'] / 2 ** 30:.3f} GiB) = saved {result['savedBytes'] / mib:.1f} "
              f"(of which params {result['savedParamBytes'] / mib:.1f}) + params {result['paramBytes'] / mib:.1f} "
              f"+ grads {result['gradBytes'] / mib:.1f} + optimizer {result['optimizerBytes'] / mib:.1f}; "
              f"{result['seconds']} s", file=err)
        for r in result['perOp']:
            print(f"  {r['op']:32s} {r['slot']:12s} {r['dtype']:8s} {r['kind']:10s} "
                  f"{r['tensors']:4d} {r['bytes'] / mib:9.2f} MiB   shared {r['sharedTensors']:4d} "
                  f"{r['sharedBytes'] / mib:9.2f} MiB", file=err)


if __name__ == '__main__':
    main()
