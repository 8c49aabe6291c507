/// Exhaustive search over the expressions that use each of a few numbers exactly once with
/// `+ - * /` and any bracketing: the reference solver of GeneralPoints and Countdown.
///
/// The search repeatedly replaces two of the remaining values by their sum, product,
/// difference or quotient (both orders for − and ÷), which reaches every bracketing. Four
/// numbers give at most 3,888 complete expressions, so a deal is solved in well under a
/// millisecond and tens of thousands of deals in seconds. Expressions are kept as indices into
/// a node arena that grows and shrinks with the search, so only a found solution is built as
/// a tree.
public struct ExpressionSearch {
    /// An expression equal to `target` using each of `numbers` exactly once, or nil if none
    /// exists. The numbers are searched in descending order, so every arrangement of the same
    /// numbers gets the same answer; solutions whose intermediate results are all whole and
    /// non-negative are preferred, being easier to follow and to learn.
    public static func solve(_ numbers: [Int], target: Rational) -> ArithmeticExpression? {
        for wholeStepsOnly in [true, false] {
            var search = ExpressionSearch(numbers: numbers.sorted(by: >), wholeStepsOnly: wholeStepsOnly)
            var solution: Int?
            search.run { value, node in
                if value == target { solution = node }
                return solution != nil
            }
            if let solution { return search.expression(at: solution) }
        }
        return nil
    }

    /// The whole numbers in `range` that some expression using all of `numbers` reaches.
    public static func reachableIntegers(_ numbers: [Int], in range: ClosedRange<Int>) -> Set<Int> {
        var search = ExpressionSearch(numbers: numbers, wholeStepsOnly: false)
        var reached = Set<Int>()
        search.run { value, _ in
            if let whole = value.integerValue, range.contains(whole) { reached.insert(whole) }
            return false
        }
        return reached
    }

    /// An arena entry: a literal, or an operation on two earlier entries.
    private struct Node {
        let literal: Int
        let op: ArithmeticOperator?
        let left: Int
        let right: Int
    }

    private struct Item {
        let value: Rational
        let node: Int
    }

    private var nodes: [Node]
    private let leaves: [Item]
    private let wholeStepsOnly: Bool

    private init(numbers: [Int], wholeStepsOnly: Bool) {
        nodes = numbers.map { Node(literal: $0, op: nil, left: -1, right: -1) }
        leaves = numbers.enumerated().map { Item(value: Rational($0.element), node: $0.offset) }
        self.wholeStepsOnly = wholeStepsOnly
    }

    /// Calls `visit` with the value and node of every complete expression until it returns true.
    private mutating func run(_ visit: (Rational, Int) -> Bool) {
        guard !leaves.isEmpty else { return }
        _ = combine(leaves, visit)
    }

    private mutating func combine(_ items: [Item], _ visit: (Rational, Int) -> Bool) -> Bool {
        if items.count == 1 { return visit(items[0].value, items[0].node) }
        for i in 0..<items.count {
            for j in (i + 1)..<items.count {
                var rest = items
                rest.remove(at: j)
                rest.remove(at: i)
                for (op, left, right) in Self.candidates(items[i], items[j]) {
                    guard let value = try? op.apply(left.value, right.value) else { continue }
                    if wholeStepsOnly && !(value.isInteger && value.numerator >= 0) { continue }
                    nodes.append(Node(literal: 0, op: op, left: left.node, right: right.node))
                    rest.append(Item(value: value, node: nodes.count - 1))
                    if combine(rest, visit) { return true }
                    rest.removeLast()
                    nodes.removeLast()
                }
            }
        }
        return false
    }

    /// The six ways to combine two values, larger operand first for − and ÷.
    private static func candidates(_ a: Item, _ b: Item) -> [(ArithmeticOperator, Item, Item)] {
        let aIsSmaller = (try? a.value.subtracting(b.value).numerator < 0) ?? false
        let (big, small) = aIsSmaller ? (b, a) : (a, b)
        return [(.add, big, small), (.multiply, big, small), (.subtract, big, small), (.divide, big, small),
                (.subtract, small, big), (.divide, small, big)]
    }

    private func expression(at index: Int) -> ArithmeticExpression {
        let node = nodes[index]
        guard let op = node.op else { return .number(node.literal) }
        return .operation(op, expression(at: node.left), expression(at: node.right))
    }
}
