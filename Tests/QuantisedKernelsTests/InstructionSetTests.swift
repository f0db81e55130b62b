import CQuantisedKernels
import Foundation
import GGUF
import Kernels
@testable import QuantisedKernels
import Testing

/// The instruction sets this machine should run according to Linux's /proc/cpuinfo (the
/// kernel's own cpuid reading, without the features it leaves disabled), independently of the
/// compiler runtime's `__builtin_cpu_supports`; nil where there is no such file to read.
func instructionSetsFromCPUInfo() -> [InstructionSet]? {
    #if arch(x86_64)
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    let flags = OpenBLAS.cpuFlags(cpuinfo: text)  // its parsing is tested in KernelsTests
    guard !flags.isEmpty else { return nil }
    guard flags.isSuperset(of: ["avx2", "fma", "f16c"]) else { return [.portable] }
    return flags.contains("avx512f") ? [.portable, .avx2, .avx512] : [.portable, .avx2]
    #else
    return [.portable]  // the C kernels exist only on x86-64
    #endif
}

@Suite("Instruction sets of the quantised kernels")
struct InstructionSetTests {
    @Test("the instruction sets offered are those /proc/cpuinfo lists, and new matrices take the widest")
    func choice() throws {
        let expected = try #require(instructionSetsFromCPUInfo(), "no /proc/cpuinfo to compare with")
        #expect(InstructionSet.supported == expected)
        #expect(InstructionSet.best == expected.last)
        let q = try QuantisedMatrix(type: .q8_0, rows: 1, columns: 32, blocks: [UInt8](repeating: 0, count: 34))
        #expect(q.instructionSet == expected.last)
        for isa in expected { #expect(try q.using(isa).instructionSet == isa) }
    }

    @Test("an instruction set this machine cannot run is refused with a specific error")
    func refused() {
        let q = try? QuantisedMatrix(type: .q8_0, rows: 1, columns: 32, blocks: [UInt8](repeating: 0, count: 34))
        for isa in InstructionSet.allCases where !isa.isSupported {
            #expect(throws: QuantisedMatrixError.unsupportedInstructionSet(isa)) { try q?.using(isa) }
        }
        let message = QuantisedMatrixError.unsupportedInstructionSet(.avx512).description
        #expect(message.hasPrefix("this machine cannot run the AVX-512 kernels (supported: portable"))
        // The C entry points refuse, without writing, what they cannot run.
        let block = [UInt8](repeating: 0, count: 34), x = [Float](repeating: 1, count: 32)
        var y: [Float] = [42]
        #expect(pqk_dot_rows(PQK_ISA_PORTABLE, PQK_Q8_0, block, 34, 1, 1, x, &y) == -1)
        #expect(pqk_dot_rows(InstructionSet.best.rawValue, 3, block, 34, 1, 1, x, &y) == -1)  // 3 is Q4_1
        #expect(pqk_decode_rows(7, PQK_Q8_0, block, 34, 1, 1, &y) == -1)
        #expect(y == [42])
        #expect(pqk_isa_supported(PQK_ISA_PORTABLE) == 0 && pqk_isa_supported(7) == 0)
    }

    @Test("the Swift names match the C header's numbers")
    func numbering() {
        #expect([InstructionSet.portable, .avx2, .avx512].map(\.rawValue) == [PQK_ISA_PORTABLE, PQK_ISA_AVX2, PQK_ISA_AVX512])
        #expect([GGMLType.q4_0, .q5_0, .q8_0, .q4_K, .q6_K].map { Int32($0.rawValue) }
            == [PQK_Q4_0, PQK_Q5_0, PQK_Q8_0, PQK_Q4_K, PQK_Q6_K])
    }
}
