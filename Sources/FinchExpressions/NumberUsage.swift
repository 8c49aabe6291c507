/// Compares the numbers an answer uses with the numbers it was given, each to be used exactly
/// once, and says what is off in the words a critique uses.
public enum NumberUsage {
    /// nil when `used` is a rearrangement of `given`; otherwise a phrase such as
    /// "uses 8 twice and never uses 3" or "uses 7, which is not one of the numbers".
    public static func mismatch(used: [Int], given: [Int]) -> String? {
        let usedCounts = counts(used)
        let givenCounts = counts(given)
        guard usedCounts != givenCounts else { return nil }
        var phrases: [String] = []
        // Numbers in order of first appearance, so the phrase reads like the answer.
        for number in unique(used + given) {
            let usedCount = usedCounts[number, default: 0]
            let givenCount = givenCounts[number, default: 0]
            if usedCount == givenCount { continue }
            if givenCount == 0 {
                phrases.append("uses \(number), which is not one of the numbers")
            } else if usedCount == 0 {
                phrases.append("never uses \(number)")
            } else if givenCount == 1 {
                phrases.append("uses \(number) \(times(usedCount))")
            } else {
                phrases.append("uses \(number) \(times(usedCount)) but it is given \(times(givenCount))")
            }
        }
        return phrases.joined(separator: " and ")
    }

    private static func times(_ count: Int) -> String {
        switch count {
        case 1: return "once"
        case 2: return "twice"
        default: return "\(count) times"
        }
    }

    private static func counts(_ numbers: [Int]) -> [Int: Int] {
        numbers.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func unique(_ numbers: [Int]) -> [Int] {
        var seen = Set<Int>()
        return numbers.filter { seen.insert($0).inserted }
    }
}
