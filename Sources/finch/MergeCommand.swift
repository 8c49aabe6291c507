import ArgumentParser
import FinchTrain
import Foundation

/// `finch merge`: what `peft`'s `merge_and_unload()` then `save_pretrained` give, from the command line.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fold a LoRA adapter directory into its base and write a plain model directory.",
        discussion: "The output (config.json, model.safetensors, the tokenizer's files) loads in transformers without peft, and in every finch command.")

    @Option(help: "Base model directory (default: the adapter_config.json's base_model_name_or_path).") var base: String?
    @Option(help: "Adapter directory: a finch LoRA checkpoint or a PEFT save (adapter_config.json, adapter_model.safetensors).") var adapter: String
    @Option(help: "Directory to write; must not exist or be empty.") var out: String

    func run() throws {
        let model = try AdapterMerge.write(adapter: URL(fileURLWithPath: adapter), base: base.map { URL(fileURLWithPath: $0) },
                                           out: URL(fileURLWithPath: out))
        print("merged \(adapter) into \(model.config.family.rawValue) \(model.parameterCount) parameters: \(out)")
    }
}
