// libFuzzer harness: the input is a safetensors checkpoint's bytes. Parsing must end in a
// checkpoint or a TransformerError (never a trap, never an allocation the bytes do not justify);
// a checkpoint that parses must serialise to bytes that parse back to the same checkpoint.
import FuzzSupport
import Foundation
import Transformer

@main enum Harness { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    guard let checkpoint = try? Checkpoint.parse(bytes, name: "fuzz.safetensors") else { return 0 }
    let again: Checkpoint
    do {
        again = try Checkpoint.parse(try checkpoint.serialized(), name: "reserialised")
    } catch {
        fatalError("a parsed checkpoint does not survive serialisation: \(error)")
    }
    guard again == checkpoint else { fatalError("serialise → parse changed the checkpoint") }
    _ = try? checkpoint.trainer()
    return 0
}
