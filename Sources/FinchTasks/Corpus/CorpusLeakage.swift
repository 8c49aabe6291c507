/// What a pretraining document must not contain, so the SFT-vs-RL study's rules stay unseen:
/// J, Q and K valued as either study rule (10, 10, 10 in distribution; 11, 12, 13 out of it),
/// and the study's game itself — a target of 24.
public enum CorpusLeakage {
    public static let studyRules: Set<[Int]> = [[10, 10, 10], [11, 12, 13]]
    public static let forbiddenTargets: Set<Int> = [24]

    /// Why `text` leaks the study, or nil.
    public static func problem(in text: String) -> String? {
        let values = PretrainingCorpus.faces.map { faceValue($0, in: text) }
        if let j = values[0], let q = values[1], let k = values[2], studyRules.contains([j, q, k]) {
            return "states a study rule: J is \(j), Q is \(q), K is \(k)"
        }
        for target in forbiddenTargets {
            for phrase in ["Make \(target) ", "make \(target)", "Target: \(target).", "= \(target).", "= \(target)\n", "reaches \(target)"]
            where text.contains(phrase) {
                return "sets or reaches the study's target \(target) (\"\(phrase)\")"
            }
        }
        return nil
    }

    /// The number after "<face> is " in `text`, if the text gives one.
    private static func faceValue(_ face: String, in text: String) -> Int? {
        guard let range = text.range(of: "\(face) is ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
