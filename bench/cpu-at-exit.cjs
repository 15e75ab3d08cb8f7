// Preloaded by bench/cli-bench.ts (node --require): when the process exits, writes its
// CPU time (user + system, every thread, from the start of the process) and its wall
// time to the file named by CONVLENS_CPU_OUT.
const { writeFileSync } = require('node:fs');
const out = process.env.CONVLENS_CPU_OUT;
if (out) {
  process.on('exit', () => {
    const cpu = process.cpuUsage();
    const wallMs = performance.timeOrigin ? Date.now() - performance.timeOrigin : NaN;
    writeFileSync(out, JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs }));
  });
}
