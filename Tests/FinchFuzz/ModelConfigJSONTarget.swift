import FinchModel
import Foundation

/// A checkpoint's or a Hugging Face model's `config.json` (every family's keys, one validation
/// with the YAML path), and the `adapter_config.json` of a PEFT adapter.
struct ModelConfigJSONTarget: FuzzTarget {
    func run(_ input: Data) {
        if let config = try? JSONDecoder().decode(ModelConfig.self, from: input) {
            _ = try? config.validate()
        }
        _ = ScratchFile.write(input, as: AdapterConfigFile.fileName)
        _ = try? AdapterConfigFile.read(from: ScratchFile.directory)
    }
}
