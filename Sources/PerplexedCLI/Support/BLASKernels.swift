import Foundation
import Kernels

/// Re-executes `perplexed` with `OPENBLAS_CORETYPE` set when OpenBLAS picked kernels older than
/// the CPU supports (``OpenBLAS/preferredCoreType(detected:cpuFlags:)``: the SSE3 `Prescott`
/// kernels on an AVX-512 machine it does not recognise). OpenBLAS reads the variable only when
/// it is loaded, hence the re-execution, before anything else runs. Does nothing when the
/// variable is set already (by the user, who keeps the last word, or by the first execution),
/// when /proc is absent, or when `execv` fails (the run then carries on with OpenBLAS's choice).
func useBestBLASKernels() {
    guard getenv("OPENBLAS_CORETYPE") == nil,
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let core = OpenBLAS.preferredCoreType(detected: OpenBLAS.coreName, cpuFlags: OpenBLAS.cpuFlags(cpuinfo: cpuinfo))
    else { return }
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
}
