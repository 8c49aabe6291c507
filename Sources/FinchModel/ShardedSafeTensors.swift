import Foundation

/// A model saved in several safetensors files, as `save_pretrained` does past its shard size:
/// `model.safetensors.index.json` maps every tensor name to the file that holds it.
///
/// Every shard is opened (and so fully validated) up front, and the index is checked against
/// the shards: a shard outside the directory, a tensor the index places in a file that lacks
/// it, or a tensor in two shards is an error naming the index or the shard, not a model that
/// loads half its weights.
public final class ShardedSafeTensors: TensorSource {
    public static let indexFile = "model.safetensors.index.json"

    public let index: URL
    private let shards: [String: SafeTensorsFile]
    private let shardOfTensor: [String: String]

    public init(index: URL) throws {
        self.index = index
        let data: Data
        do { data = try Data(contentsOf: index) } catch {
            throw SafeTensorsError(file: index.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SafeTensorsError(file: index.path, reason: "not a JSON object")
        }
        guard let map = object["weight_map"] as? [String: Any], !map.isEmpty else {
            throw SafeTensorsError(file: index.path, reason: "weight_map: missing, empty or not an object of tensor name → file")
        }
        var shardOfTensor: [String: String] = [:]
        for (tensor, value) in map {
            guard let file = value as? String else {
                throw SafeTensorsError(file: index.path, reason: "weight_map.\(tensor): not a file name")
            }
            // Shards live beside the index; a path could reach any file on the machine.
            guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
                throw SafeTensorsError(file: index.path, reason: "weight_map.\(tensor): '\(file)' is not a plain file name in the model directory")
            }
            shardOfTensor[tensor] = file
        }
        let directory = index.deletingLastPathComponent()
        var shards: [String: SafeTensorsFile] = [:]
        for file in Set(shardOfTensor.values).sorted() {
            do {
                shards[file] = try SafeTensorsFile(url: directory.appendingPathComponent(file))
            } catch let error as SafeTensorsError {
                throw SafeTensorsError(file: index.path, reason: "weight_map names the shard '\(file)', which cannot be read: \(error)")
            }
        }
        var owner: [String: String] = [:]
        for (file, shard) in shards {
            for name in shard.names {
                if let other = owner.updateValue(file, forKey: name) {
                    throw SafeTensorsError(file: index.path, reason: "tensor '\(name)' is stored in both \(other) and \(file)")
                }
            }
        }
        for (tensor, file) in shardOfTensor where owner[tensor] != file {
            throw SafeTensorsError(file: directory.appendingPathComponent(file).path,
                                   reason: "has no tensor '\(tensor)', which \(Self.indexFile) places there")
        }
        self.shards = shards
        self.shardOfTensor = shardOfTensor
    }

    public var names: [String] { shardOfTensor.keys.sorted() }

    public func tensor(named name: String) -> SafeTensorsFile.Tensor? {
        shardOfTensor[name].flatMap { shards[$0]?.tensor(named: name) }
    }

    public func copyFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let file = shardOfTensor[name], let shard = shards[file] else {
            throw SafeTensorsError(file: index.path, reason: "no tensor named '\(name)'")
        }
        try shard.copyFloats(name, into: destination)
    }

    public func path(holding name: String) -> String {
        shardOfTensor[name].map { index.deletingLastPathComponent().appendingPathComponent($0).path } ?? index.path
    }
}

/// The weights of a Hugging Face or Finch model directory, however they were saved.
public enum ModelWeights {
    /// `model.safetensors` if present, else the shards `model.safetensors.index.json` lists.
    public static func open(directory: URL) throws -> any TensorSource {
        let single = directory.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) { return try SafeTensorsFile(url: single) }
        let index = directory.appendingPathComponent(ShardedSafeTensors.indexFile)
        if FileManager.default.fileExists(atPath: index.path) { return try ShardedSafeTensors(index: index) }
        throw SafeTensorsError(file: directory.path, reason: "has neither model.safetensors nor \(ShardedSafeTensors.indexFile)")
    }
}
