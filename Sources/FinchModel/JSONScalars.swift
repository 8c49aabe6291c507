import Foundation

/// What JSONSerialization's values are, told apart where Foundation blurs them: on Linux a JSON
/// `true` arrives as an NSNumber that also casts to Int (1) and prints as "1", so a record's
/// `"best": true` would read as index 1 unless booleans are recognised by their type.
public enum JSONScalars {
    /// Whether `value` is a JSON boolean.
    public static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c" || String(describing: type(of: value)).contains("Boolean")
    }

    /// A JSON number that is a whole number of magnitude below 10¹⁵ (not a boolean), as an Int.
    public static func integer(_ value: Any?) -> Int? {
        guard let value, !isBoolean(value), let number = value as? NSNumber,
              number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 1e15 else { return nil }
        return number.intValue
    }

    /// A JSON list of such whole numbers, as Ints (nil if any element is not one).
    public static func integerArray(_ value: Any) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(list.count)
        for element in list {
            guard let n = integer(element) else { return nil }
            result.append(n)
        }
        return result
    }
}
