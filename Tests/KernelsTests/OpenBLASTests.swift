import Testing
import Kernels

@Suite("OpenBLAS kernel choice")
struct OpenBLASTests {
    let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]

    @Test("a fallback to older kernels is replaced by what the CPU flags support")
    func preferredCoreType() {
        #expect(OpenBLAS.preferredCoreType(detected: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(OpenBLAS.preferredCoreType(detected: "Haswell", cpuFlags: avx512) == "SkylakeX")
        #expect(OpenBLAS.preferredCoreType(detected: "Prescott", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
        #expect(OpenBLAS.preferredCoreType(detected: "Sandybridge", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
    }

    @Test("a right choice, or a CPU without AVX2, is left alone")
    func keepsRightChoices() {
        for detected in ["SkylakeX", "Cooperlake", "SapphireRapids"] {
            #expect(OpenBLAS.preferredCoreType(detected: detected, cpuFlags: avx512) == nil)
        }
        #expect(OpenBLAS.preferredCoreType(detected: "Zen", cpuFlags: ["avx2", "fma"]) == nil)
        #expect(OpenBLAS.preferredCoreType(detected: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        // AVX-512 foundation alone is not what the SkylakeX kernels need.
        #expect(OpenBLAS.preferredCoreType(detected: "Prescott", cpuFlags: ["avx512f"]) == nil)
    }

    @Test("CPU flags are read from the first processor's flags line")
    func cpuFlags() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse2 avx2 fma\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: other\n"
        #expect(OpenBLAS.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx2", "fma"])
        #expect(OpenBLAS.cpuFlags(cpuinfo: "") == [])
    }
}
