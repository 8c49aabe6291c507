import FinchModel
import Foundation

/// A safetensors file: header length, JSON header, dtypes, shapes and offsets. A file that
/// opens must also give up every tensor's values without reading outside it.
struct SafeTensorsHeaderTarget: FuzzTarget {
    func run(_ input: Data) {
        let url = ScratchFile.write(input, as: "model.safetensors")
        guard let file = try? SafeTensorsFile(url: url) else { return }
        for tensor in file.tensors where tensor.elementCount <= 1 << 16 {
            var values = [Float](repeating: 0, count: tensor.elementCount)
            values.withUnsafeMutableBufferPointer { try? file.copyFloats(tensor.name, into: $0) }
        }
    }
}
