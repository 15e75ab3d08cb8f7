"""What bench/cli-bench.ts compares the CLI with: one whole process that imports onnx,
loads a model (onnx.load) and infers its shapes (onnx.shape_inference.infer_shapes).

    python3 bench/onnx_cpu.py <model.onnx>

Prints JSON: the process's CPU time (user + system, from its start) and wall time, in ms.
"""
import json
import resource
import sys
import time

START = time.time()

import onnx  # noqa: E402


def main() -> None:
    model = onnx.load(sys.argv[1])
    onnx.shape_inference.infer_shapes(model)
    r = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({'cpuMs': (r.ru_utime + r.ru_stime) * 1000, 'wallMs': (time.time() - START) * 1000, 'nodes': len(model.graph.node)}))


if __name__ == '__main__':
    main()
