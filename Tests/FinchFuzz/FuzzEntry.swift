import Foundation

/// libFuzzer's entry point. One executable holds every target; `FINCH_FUZZ_TARGET` names the
/// one a run exercises (`launch/fuzz` sets it), so the instrumented libraries link once.
/// An input a reader rejects with an error is a pass; a crash, a trap, a sanitizer report or
/// a hang is what libFuzzer reports and stops on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.selected.run(Data(bytes: data, count: size))
    return 0
}

/// Every target, by the name `FINCH_FUZZ_TARGET` gives it.
enum FuzzTargets {
    static let all: [String: FuzzTarget] = [
        "safetensors": SafeTensorsHeaderTarget(),
        "config-json": ModelConfigJSONTarget(),
        "run-config": RunConfigTarget(),
        "sft-jsonl": SFTRecordsTarget(),
        "preference-jsonl": PreferenceRecordsTarget(),
        "prompts-jsonl": PromptRecordsTarget(),
        "tokenizer-json": TokenizerJSONTarget(),
        "answers": TaskAnswerTarget(),
    ]

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FINCH_FUZZ_TARGET"] ?? ""
        guard let target = all[name] else {
            FileHandle.standardError.write(Data("finch-fuzz: set FINCH_FUZZ_TARGET to one of \(all.keys.sorted().joined(separator: ", ")) (got '\(name)')\n".utf8))
            exit(2)
        }
        return target
    }()
}

/// One reader under test: `run` feeds it an input and ignores the error it may throw.
protocol FuzzTarget {
    func run(_ input: Data)
}

/// Readers that take a path read the input from a file of this process's own in /dev/shm
/// (or the temporary directory), rewritten for every input.
enum ScratchFile {
    static let directory: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm")
            : FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("finch-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ScratchFile.directory) }
        return dir
    }()

    static func write(_ data: Data, as name: String) -> URL {
        let url = directory.appendingPathComponent(name)
        do { try data.write(to: url) } catch { fatalError("finch-fuzz: cannot write \(url.path): \(error)") }
        return url
    }
}
