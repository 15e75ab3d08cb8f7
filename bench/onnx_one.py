"""Python `onnx` on one model, for comparison with ConvLens (bench/profile-bench.ts).

    python3 bench/onnx_one.py <model.onnx> [runs]

Times onnx.load (external data included) + onnx.shape_inference.infer_shapes,
median of `runs` (default 5), and prints JSON with the median times, the RSS
before the first load and the peak RSS (bytes: VmHWM, else resource.getrusage).
"""
import json
import os
import resource
import statistics
import sys
import time

import onnx


def current_rss() -> int:
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss() -> int:
    """VmHWM of this address space; ru_maxrss survives exec and would include the parent's RSS at fork."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rss_before = current_rss()
    load, infer, total = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        model = onnx.load(path)
        t1 = time.perf_counter()
        onnx.shape_inference.infer_shapes(model)
        t2 = time.perf_counter()
        del model
        load.append((t1 - t0) * 1000)
        infer.append((t2 - t1) * 1000)
        total.append((t2 - t0) * 1000)
    print(json.dumps({
        'onnxVersion': onnx.__version__,
        'loadMs': statistics.median(load),
        'inferMs': statistics.median(infer),
        'totalMs': statistics.median(total),
        'rssBeforeBytes': rss_before,
        'maxRssBytes': peak_rss(),
    }))


if __name__ == '__main__':
    main()
