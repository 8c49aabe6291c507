import FinchData
import Foundation

/// Reads the problems of a JSONL file written by `finch data generate` in the `prompts`,
/// `sft` or `prefs` format (each line's `prompt` is the task's question). `cft` files are
/// refused: their `prompt` is a critique request, not the question.
///
/// Errors are `DataError`s naming the file and 1-based line: invalid JSON, a missing key, a
/// line of another task or rule, or a ground truth the task cannot score.
public enum TaskInstanceFile {
    private static let blankBytes = Set(" \t\r".utf8)

    public static func read(_ url: URL, task: any VerifiableTask) throws -> [TaskInstance] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(source: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        var instances: [TaskInstance] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            guard line.contains(where: { !blankBytes.contains($0) }) else { continue }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(line))
            } catch {
                throw DataError(source: url.path, line: lineNumber, reason: "invalid JSON")
            }
            guard let fields = object as? [String: Any] else {
                throw DataError(source: url.path, line: lineNumber, reason: "expected a JSON object")
            }
            if fields["critique"] != nil {
                throw DataError(source: url.path, line: lineNumber,
                                reason: "is a critique (cft) record; pass a prompts, sft or prefs file")
            }
            for key in ["task", "prompt", "ground_truth"] where fields[key] == nil {
                throw DataError(source: url.path, line: lineNumber, reason: "missing key \"\(key)\"")
            }
            let instance: TaskInstance
            do {
                instance = try JSONDecoder().decode(TaskInstance.self, from: Data(line))
            } catch {
                throw DataError(source: url.path, line: lineNumber, reason: "task, rule and prompt must be strings")
            }
            _ = try task.problem(from: instance, source: url.path, line: lineNumber)
            instances.append(instance)
        }
        guard !instances.isEmpty else { throw DataError(source: url.path, reason: "contains no problems") }
        return instances
    }
}
