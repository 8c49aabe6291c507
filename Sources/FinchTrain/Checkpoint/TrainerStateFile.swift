import Foundation

/// The layout of `trainer_state.json`: the caller's resume state wrapped with the step and
/// a format version, so a later Finch can recognise (and refuse or migrate) old files
/// without knowing the caller's type.
struct TrainerStateFile<State> {
    static var currentFormatVersion: Int { 1 }

    /// Non-finite floats are spelled out rather than rejected: a diverged run's NaN loss
    /// must not make its checkpoint unsavable.
    fileprivate static var nonFiniteSpelling: (positiveInfinity: String, negativeInfinity: String, nan: String) {
        ("Infinity", "-Infinity", "NaN")
    }

    var formatVersion: Int
    var step: Int
    var state: State

    private enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", step, state
    }
}

extension TrainerStateFile: Encodable where State: Encodable {
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let spelling = Self.nonFiniteSpelling
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: spelling.positiveInfinity, negativeInfinity: spelling.negativeInfinity, nan: spelling.nan)
        return try encoder.encode(self)
    }
}

extension TrainerStateFile: Decodable where State: Decodable {
    /// Decodes the file at `url`, checking the version before the caller's state so an
    /// unsupported file is reported as such rather than as a confusing missing key.
    static func read(from url: URL) throws -> TrainerStateFile<State> {
        do {
            let data = try Data(contentsOf: url)
            let version = try JSONDecoder().decode(VersionOnly.self, from: data).formatVersion
            guard version == currentFormatVersion else {
                throw CheckpointError(path: url.path, reason: "format_version \(version) is not supported (expected \(currentFormatVersion))")
            }
            let decoder = JSONDecoder()
            let spelling = Self.nonFiniteSpelling
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: spelling.positiveInfinity, negativeInfinity: spelling.negativeInfinity, nan: spelling.nan)
            return try decoder.decode(TrainerStateFile<State>.self, from: data)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(path: url.path, reason: "cannot decode the trainer state: \(error)")
        }
    }

    private struct VersionOnly: Decodable {
        var formatVersion: Int
        private enum CodingKeys: String, CodingKey { case formatVersion = "format_version" }
    }
}
