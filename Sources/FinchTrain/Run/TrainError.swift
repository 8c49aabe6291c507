/// A run that cannot go on, with a message that names what is at fault (a file, a key, a value).
public struct TrainError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
