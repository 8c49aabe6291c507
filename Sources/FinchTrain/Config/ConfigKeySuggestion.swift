/// Finds the key a user most likely meant when they wrote an unknown one, for the
/// "did you mean" part of the error: a misspelling is fixed faster when the fix is shown.
enum ConfigKeySuggestion {
    /// The best guesses for the unknown key `name` in the section at `sectionPath`, as full
    /// dotted paths; empty when nothing is close enough to help. Tried in order: a sibling
    /// within a few typos; a sibling sharing a word (`lr_warmup` → `warmup_steps`); the
    /// same name in other sections (`train.seed` → `model.seed`, `data.seed`).
    static func suggestions(for name: String, sectionPath: [String], siblings: [String],
                            elsewhere: [[String]]) -> [String] {
        let prefix = sectionPath.isEmpty ? "" : sectionPath.joined(separator: ".") + "."
        let typoBudget = max(1, name.count / 3)
        let byDistance = siblings.map { ($0, editDistance(name, $0)) }.min { $0.1 < $1.1 }
        if let (closest, distance) = byDistance, distance <= typoBudget { return [prefix + closest] }

        let words = Set(name.split(separator: "_"))
        let byOverlap = siblings.map { sibling -> (String, Int) in
            let shared = words.intersection(sibling.split(separator: "_"))
            return (sibling, shared.reduce(0) { $0 + $1.count })
        }.max { $0.1 < $1.1 || ($0.1 == $1.1 && editDistance(name, $0.0) > editDistance(name, $1.0)) }
        if let (related, overlap) = byOverlap, overlap >= 3 { return [prefix + related] }

        return elsewhere.filter { $0.last == name && Array($0.dropLast()) != sectionPath }
            .map { $0.joined(separator: ".") }
    }

    /// The " (did you mean ...?)" clause of an unknown-key message, or "" without guesses.
    static func clause(for suggestions: [String]) -> String {
        guard !suggestions.isEmpty else { return "" }
        return " (did you mean " + suggestions.map { "'\($0)'" }.joined(separator: " or ") + "?)"
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of two
    /// adjacent characters (optimal string alignment), since `trian` is one slip from `train`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let substitution = table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                table[i][j] = min(substitution, table[i - 1][j] + 1, table[i][j - 1] + 1)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
