import ArgumentParser
import Foundation

/// Refuses an output file whose directory does not exist, before the work that would fill it.
func requireOutputDirectory(of path: String, option: String) throws {
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(option): the directory \(parent.path) does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw ValidationError("\(option): \(path) is a directory")
    }
}
